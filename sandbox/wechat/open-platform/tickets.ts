import type { SandboxCore } from '../../core/state';
import { OPEN_PLATFORM_DURATIONS as D, type WechatComponent } from './component';
import { deliverPush, type PushDelivery } from './push';

/** Mint a component_verify_ticket and push it now. */
export function pushTicketNow(core: SandboxCore, component: WechatComponent): Promise<PushDelivery> {
  const now = core.clock.now();
  const ticket = component.mintTicket(now, core.clock.duration(D.ticketValidity));
  return deliverPush(core, component, {
    AppId: component.componentAppid,
    CreateTime: Math.floor(now / 1000),
    InfoType: 'component_verify_ticket',
    ComponentVerifyTicket: ticket,
  });
}

/** Push a ticket at once, then every 10 minutes (scaled) until paused. No-op when already running. */
export function startTicketPushes(core: SandboxCore, component: WechatComponent): boolean {
  if (component.ticketPushing) return false;
  component.ticketPushing = true;
  const tick = (due: number): void => {
    if (!component.ticketPushing) return;
    void pushTicketNow(core, component);
    const next = due + core.clock.duration(D.ticketInterval);
    component.ticketTimer = core.clock.schedule(next, () => tick(next));
  };
  tick(core.clock.now());
  return true;
}

export function pauseTicketPushes(core: SandboxCore, component: WechatComponent): void {
  component.ticketPushing = false;
  if (component.ticketTimer !== undefined) core.clock.cancel(component.ticketTimer);
  component.ticketTimer = undefined;
}
