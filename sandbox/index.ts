export { startSandbox, buildSandbox, type SandboxOptions, type SandboxHandle } from './server';
export {
  SandboxControl,
  SandboxControlError,
  type ClockView,
  type SandboxStats,
  type CallFilter,
  type WechatAppOptions,
  type WechatAppView,
  type WechatComponentOptions,
  type WechatComponentView,
  type PushAttemptView,
  type PushDeliveryView,
  type AuthorizeOptions,
  type AuthorizeOutcome,
  type AuthorizerView,
} from './control-client';
export type { CallRecord, InvalidTokenUse, InvalidTokenReason } from './core/call-log';
export type { FaultSpec, FaultKind } from './core/faults';
export { SandboxCore } from './core/state';
export { SandboxClock, type ClockMode } from './core/clock';
