import type { SandboxCore } from '../core/state';
import { WechatApp } from './apps';
import { wechatDialect } from './errors';
import { TokenRegistry } from './token-registry';
import type { PlatformDialect } from '../core/http';
import type { WechatComponent } from './open-platform/component';

/** All WeChat-side state of the sandbox; cleared by /__sandbox/reset. */
export class WechatState {
  readonly registry: TokenRegistry;
  readonly apps = new Map<string, WechatApp>();
  /** Third-party platforms by component appid (see open-platform/). */
  readonly components = new Map<string, WechatComponent>();
  readonly dialect: PlatformDialect;
  /** Extra hooks cleared on reset by sub-modules (open platform). */
  private resetHooks: Array<() => void> = [];

  constructor(readonly core: SandboxCore) {
    this.registry = new TokenRegistry(core.rng);
    this.dialect = wechatDialect(core.rng);
    core.onReset(() => this.reset());
  }

  onReset(hook: () => void): void {
    this.resetHooks.push(hook);
  }

  /** Scaled milliseconds for a platform duration in seconds. */
  ms(platformSeconds: number): number {
    return this.core.clock.duration(platformSeconds);
  }

  now(): number {
    return this.core.clock.now();
  }

  componentAppids(): Set<string> {
    return new Set(this.components.keys());
  }

  private reset(): void {
    this.apps.clear();
    for (const component of this.components.values()) component.stop();
    this.components.clear();
    this.registry.clear();
    for (const hook of this.resetHooks) hook();
  }
}

/** The caller's IPv4 address as WeChat names it in 40164/61004 messages. */
export function callerIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
