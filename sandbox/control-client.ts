import { request } from 'undici';
import type { CallRecord, InvalidTokenUse, SingleUsePresentation } from './core/call-log';
import type { ClockMode } from './core/clock';
import type { Fault, FaultSpec } from './core/faults';
import type {
  BaiduAuthorizeOptions,
  BaiduAuthorizeOutcome,
  BaiduTpAppOptions,
  BaiduTpAppPatch,
  BaiduTpAppView,
  DouyinAuthorizeOptions,
  DouyinAuthorizeOutcome,
  DouyinTpAppOptions,
  DouyinTpAppPatch,
  DouyinTpAppView,
  PushRecord,
  JsonPushFilter,
} from './json-push-platforms/control-types';

export interface ClockView {
  now: number;
  timeScale: number;
  mode: ClockMode;
}

export interface SandboxStats {
  upstreamCalls: Record<string, number>;
  invalidTokenUses: number;
  invalidTokenUsesByApp: Record<string, number>;
}

export interface CallFilter {
  platform?: string;
  endpoint?: string;
  appid?: string;
}

export interface WechatAppOptions {
  appid?: string;
  secret?: string;
  dailyQuota?: number;
  minuteQuota?: number | null;
  ipAllowed?: boolean;
  forceRefreshDailyLimit?: number;
  /** Answer this code to token calls (e.g. 89503); null clears it. */
  tokenErrcode?: number | null;
}

export interface WechatAppView {
  appid: string;
  secret: string;
  dailyQuota: number;
  minuteQuota: number | null;
  ipAllowed: boolean;
  forceRefreshDailyLimit: number;
  tokenErrcode: number | null;
}

export interface WechatComponentOptions {
  componentAppid?: string;
  secret?: string;
  /** Message-check Token (push signatures). */
  token?: string;
  /** 43 characters [A-Za-z0-9]. */
  encodingAESKey?: string;
  /** 授权事件接收 URL; null = none (pushes are recorded as 'no_callback'). */
  callbackUrl?: string | null;
  ipAllowed?: boolean;
  rotateAuthorizerRefreshToken?: boolean;
  authorizerTokenOverlap?: boolean;
}

export interface WechatComponentView {
  componentAppid: string;
  secret: string;
  token: string;
  encodingAESKey: string;
  callbackUrl: string | null;
  ipAllowed: boolean;
  rotateAuthorizerRefreshToken: boolean;
  authorizerTokenOverlap: boolean;
  ticketPushing: boolean;
  latestTicket: string | null;
}

export interface PushAttemptView {
  at: number;
  outcome: 'success' | 'bad_reply' | 'http_error' | 'network_error' | 'no_callback';
  status: number | null;
  reply: string | null;
  error: string | null;
}

export interface PushDeliveryView {
  id: number;
  createdAt: number;
  infoType: string;
  authorizerAppid: string | null;
  ticket: string | null;
  message: Record<string, string | number>;
  attempts: PushAttemptView[];
  status: 'pending' | 'delivered' | 'failed';
}

export interface AuthorizeOptions {
  authorizerAppid: string;
  /** Permission-set ids granted; default [1, 2, 3]. */
  funcInfo?: number[];
  /** How our server learns the code; default 'both'. */
  deliver?: 'redirect' | 'event' | 'both';
  redirectUri?: string;
  preAuthCode?: string;
}

export interface AuthorizeOutcome {
  authorizationCode: string;
  expiresIn: number;
  infoType: 'authorized' | 'updateauthorized';
  redirectUrl: string | null;
  push: PushDeliveryView | null;
}

export interface AuthorizerView {
  authorizerAppid: string;
  authorized: boolean;
  funcInfo: number[];
  refreshToken: string | null;
  authTime: number;
  accessToken: string | null;
}

export class SandboxControlError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`sandbox control call failed with HTTP ${status}: ${JSON.stringify(body)}`);
  }
}

/** Typed client of the sandbox's /__sandbox control API, for tests, the demo and benchmarks. */
export class SandboxControl {
  constructor(readonly baseUrl: string) {}

  reset(): Promise<{ ok: true }> {
    return this.call('POST', '/__sandbox/reset');
  }

  info(): Promise<ClockView & { seed: number }> {
    return this.call('GET', '/__sandbox/info');
  }

  clock(): Promise<ClockView> {
    return this.call('GET', '/__sandbox/clock');
  }

  setClock(settings: { timeScale?: number; mode?: ClockMode }): Promise<ClockView> {
    return this.call('POST', '/__sandbox/clock', settings);
  }

  advance(ms: number): Promise<ClockView> {
    return this.call('POST', '/__sandbox/clock/advance', { ms });
  }

  async addFault(spec: FaultSpec): Promise<string> {
    const { id } = await this.call<{ id: string }>('POST', '/__sandbox/faults', spec);
    return id;
  }

  async faults(): Promise<Fault[]> {
    return (await this.call<{ faults: Fault[] }>('GET', '/__sandbox/faults')).faults;
  }

  async clearFaults(): Promise<void> {
    await this.call('DELETE', '/__sandbox/faults');
  }

  async removeFault(id: string): Promise<void> {
    await this.call('DELETE', `/__sandbox/faults/${encodeURIComponent(id)}`);
  }

  calls(filter: CallFilter = {}): Promise<{ calls: CallRecord[]; total: number }> {
    return this.call('GET', `/__sandbox/calls${queryString(filter)}`);
  }

  invalidTokenUses(filter: CallFilter = {}): Promise<{ uses: InvalidTokenUse[]; total: number }> {
    return this.call('GET', `/__sandbox/invalid-token-uses${queryString(filter)}`);
  }

  stats(): Promise<SandboxStats> {
    return this.call('GET', '/__sandbox/stats');
  }

  /** Every presentation of a Douyin/Baidu refresh token or authorization code, with its state at the time. */
  singleUse(
    filter: { platform?: string; appid?: string } = {},
  ): Promise<{ presentations: SingleUsePresentation[]; total: number }> {
    return this.call('GET', `/__sandbox/single-use${queryString(filter)}`);
  }

  createWechatApp(options: WechatAppOptions = {}): Promise<WechatAppView> {
    return this.call('POST', '/__sandbox/wechat/apps', options);
  }

  updateWechatApp(appid: string, patch: Omit<WechatAppOptions, 'appid'>): Promise<WechatAppView> {
    return this.call('PATCH', `/__sandbox/wechat/apps/${encodeURIComponent(appid)}`, patch);
  }

  wechatApp(appid: string): Promise<WechatAppView> {
    return this.call('GET', `/__sandbox/wechat/apps/${encodeURIComponent(appid)}`);
  }

  async clearWechatQuota(appid: string): Promise<void> {
    await this.call('POST', `/__sandbox/wechat/apps/${encodeURIComponent(appid)}/clear-quota`);
  }

  createWechatComponent(options: WechatComponentOptions = {}): Promise<WechatComponentView> {
    return this.call('POST', '/__sandbox/wechat/components', options);
  }

  updateWechatComponent(
    componentAppid: string,
    patch: Omit<WechatComponentOptions, 'componentAppid'>,
  ): Promise<WechatComponentView> {
    return this.call('PATCH', this.componentPath(componentAppid), patch);
  }

  wechatComponent(componentAppid: string): Promise<WechatComponentView> {
    return this.call('GET', this.componentPath(componentAppid));
  }

  /** Push a ticket now and then every 10 min (scaled). */
  async startTickets(componentAppid: string): Promise<void> {
    await this.call('POST', `${this.componentPath(componentAppid)}/tickets/start`);
  }

  async pauseTickets(componentAppid: string): Promise<void> {
    await this.call('POST', `${this.componentPath(componentAppid)}/tickets/pause`);
  }

  /** Push one ticket now; resolves after the first delivery attempt. */
  pushTicket(componentAppid: string): Promise<{ ticket: string; delivery: PushDeliveryView }> {
    return this.call('POST', `${this.componentPath(componentAppid)}/tickets/push`);
  }

  async pushes(componentAppid: string): Promise<PushDeliveryView[]> {
    return (await this.call<{ pushes: PushDeliveryView[] }>('GET', `${this.componentPath(componentAppid)}/pushes`))
      .pushes;
  }

  /** A merchant authorizes (or re-authorizes) the component. */
  authorize(componentAppid: string, options: AuthorizeOptions): Promise<AuthorizeOutcome> {
    return this.call('POST', `${this.componentPath(componentAppid)}/authorize`, options);
  }

  /** `push: false`: withdrawn without the unauthorized push (`push` in the answer is then false). */
  unauthorize(
    componentAppid: string,
    authorizerAppid: string,
    options: { push?: boolean } = {},
  ): Promise<{ ok: true; push: PushDeliveryView | false }> {
    return this.call('POST', `${this.componentPath(componentAppid)}/unauthorize`, { authorizerAppid, ...options });
  }

  async authorizers(componentAppid: string): Promise<AuthorizerView[]> {
    const path = `${this.componentPath(componentAppid)}/authorizers`;
    return (await this.call<{ authorizers: AuthorizerView[] }>('GET', path)).authorizers;
  }

  /** The platform replaces the authorizer's refresh token: the one our server holds now gets 61023. */
  loseRefreshToken(componentAppid: string, authorizerAppid: string): Promise<{ refreshToken: string }> {
    const path = `${this.componentPath(componentAppid)}/authorizers/${encodeURIComponent(authorizerAppid)}`;
    return this.call('POST', `${path}/lose-refresh-token`);
  }

  private componentPath(componentAppid: string): string {
    return `/__sandbox/wechat/components/${encodeURIComponent(componentAppid)}`;
  }

  // ---- Douyin (sandbox/douyin) ----

  createDouyinTpApp(options: DouyinTpAppOptions = {}): Promise<DouyinTpAppView> {
    return this.call('POST', '/__sandbox/douyin/tp-apps', options);
  }

  updateDouyinTpApp(componentAppid: string, patch: DouyinTpAppPatch): Promise<DouyinTpAppView> {
    return this.call('PATCH', `/__sandbox/douyin/tp-apps/${encodeURIComponent(componentAppid)}`, patch);
  }

  douyinTpApp(componentAppid: string): Promise<DouyinTpAppView> {
    return this.call('GET', `/__sandbox/douyin/tp-apps/${encodeURIComponent(componentAppid)}`);
  }

  async startDouyinTickets(componentAppid: string): Promise<void> {
    await this.call('POST', `/__sandbox/douyin/tp-apps/${encodeURIComponent(componentAppid)}/ticket/start`);
  }

  async pauseDouyinTickets(componentAppid: string): Promise<void> {
    await this.call('POST', `/__sandbox/douyin/tp-apps/${encodeURIComponent(componentAppid)}/ticket/pause`);
  }

  /** Issue one ticket now (pushed when a callback URL is set); does not wait for delivery. */
  pushDouyinTicket(componentAppid: string): Promise<{ ticket: string; pushId: string | null }> {
    return this.call('POST', `/__sandbox/douyin/tp-apps/${encodeURIComponent(componentAppid)}/ticket/push`);
  }

  douyinAuthorize(componentAppid: string, options: DouyinAuthorizeOptions = {}): Promise<DouyinAuthorizeOutcome> {
    return this.call('POST', `/__sandbox/douyin/tp-apps/${encodeURIComponent(componentAppid)}/authorize`, options);
  }

  douyinUnauthorize(componentAppid: string, authorizerAppid: string): Promise<{ ok: true; pushId: string | null }> {
    const path = `/__sandbox/douyin/tp-apps/${encodeURIComponent(componentAppid)}/unauthorize`;
    return this.call('POST', path, { authorizerAppid });
  }

  /** The next `count` answers to this app's pushes are lost: the platform sends each push again, unchanged. */
  async loseJsonPushAnswers(platform: 'douyin' | 'baidu', appid: string, count: number): Promise<void> {
    await this.call('POST', `/__sandbox/${platform}/tp-apps/${encodeURIComponent(appid)}/pushes/lose-answers`, {
      count,
    });
  }

  async douyinPushes(filter: JsonPushFilter = {}): Promise<PushRecord[]> {
    return (await this.call<{ pushes: PushRecord[] }>('GET', `/__sandbox/douyin/pushes${queryString(filter)}`)).pushes;
  }

  // ---- Baidu (sandbox/baidu) ----

  createBaiduTpApp(options: BaiduTpAppOptions = {}): Promise<BaiduTpAppView> {
    return this.call('POST', '/__sandbox/baidu/tp-apps', options);
  }

  updateBaiduTpApp(clientId: string, patch: BaiduTpAppPatch): Promise<BaiduTpAppView> {
    return this.call('PATCH', `/__sandbox/baidu/tp-apps/${encodeURIComponent(clientId)}`, patch);
  }

  baiduTpApp(clientId: string): Promise<BaiduTpAppView> {
    return this.call('GET', `/__sandbox/baidu/tp-apps/${encodeURIComponent(clientId)}`);
  }

  async startBaiduTickets(clientId: string): Promise<void> {
    await this.call('POST', `/__sandbox/baidu/tp-apps/${encodeURIComponent(clientId)}/ticket/start`);
  }

  async pauseBaiduTickets(clientId: string): Promise<void> {
    await this.call('POST', `/__sandbox/baidu/tp-apps/${encodeURIComponent(clientId)}/ticket/pause`);
  }

  pushBaiduTicket(clientId: string): Promise<{ ticket: string; pushId: string | null }> {
    return this.call('POST', `/__sandbox/baidu/tp-apps/${encodeURIComponent(clientId)}/ticket/push`);
  }

  baiduAuthorize(clientId: string, options: BaiduAuthorizeOptions = {}): Promise<BaiduAuthorizeOutcome> {
    return this.call('POST', `/__sandbox/baidu/tp-apps/${encodeURIComponent(clientId)}/authorize`, options);
  }

  baiduUnauthorize(clientId: string, appId: number): Promise<{ ok: true; pushId: string | null }> {
    return this.call('POST', `/__sandbox/baidu/tp-apps/${encodeURIComponent(clientId)}/unauthorize`, { appId });
  }

  async baiduPushes(filter: JsonPushFilter = {}): Promise<PushRecord[]> {
    return (await this.call<{ pushes: PushRecord[] }>('GET', `/__sandbox/baidu/pushes${queryString(filter)}`)).pushes;
  }

  /** Any control route (platform modules add their own); throws SandboxControlError on non-2xx. */
  async call<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const response = await request(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.body.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (response.statusCode >= 300) throw new SandboxControlError(response.statusCode, parsed);
    return parsed as T;
  }
}

function queryString(filter: CallFilter): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value !== undefined) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}
