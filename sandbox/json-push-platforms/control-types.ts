/** Shapes of the Douyin and Baidu control API, shared by the routes' callers (control-client.ts, tests). */
import type { BaiduDurations, BaiduRules } from '../baidu/tp-app';
import type { DouyinDurations, Permission } from '../douyin/tp-app';
import type { PushRecord } from './push-channel';

export type { PushRecord, PushAttempt } from './push-channel';

export interface DouyinTpAppOptions {
  componentAppid?: string;
  componentSecret?: string;
  token?: string;
  encodingAESKey?: string;
  callbackUrl?: string;
  startTickets?: boolean;
  durations?: Partial<DouyinDurations>;
}

export interface DouyinTpAppPatch {
  componentSecret?: string;
  token?: string;
  encodingAESKey?: string;
  callbackUrl?: string | null;
  durations?: Partial<DouyinDurations>;
}

export interface DouyinTpAppView {
  componentAppid: string;
  componentSecret: string;
  token: string;
  encodingAESKey: string;
  callbackUrl: string | null;
  ticketsRunning: boolean;
  latestTicket: string | null;
  liveComponentTokens: string[];
  durations: DouyinDurations;
  authorizers: {
    authorizerAppid: string;
    authorized: boolean;
    accessToken: string | null;
    refreshToken: string | null;
  }[];
}

export interface DouyinAuthorizeOptions {
  authorizerAppid?: string;
  preAuthCode?: string;
  redirectUri?: string;
  permissions?: Permission[];
}

export interface DouyinAuthorizeOutcome {
  authorizerAppid: string;
  authorizationCode: string;
  expiresIn: number;
  event: 'AUTHORIZED' | 'UPDATE_AUTHORIZED';
  redirect: string | null;
  pushId: string | null;
}

export interface BaiduTpAppOptions {
  clientId?: string;
  tpAppId?: number;
  token?: string;
  encodingAESKey?: string;
  callbackUrl?: string;
  startTickets?: boolean;
  durations?: Partial<BaiduDurations>;
  rules?: Partial<BaiduRules>;
}

export interface BaiduTpAppPatch {
  token?: string;
  encodingAESKey?: string;
  callbackUrl?: string | null;
  durations?: Partial<BaiduDurations>;
  rules?: Partial<BaiduRules>;
}

export interface BaiduTpAppView {
  clientId: string;
  tpAppId: number;
  token: string;
  encodingAESKey: string;
  callbackUrl: string | null;
  ticketsRunning: boolean;
  latestTicket: string | null;
  liveTpTokens: string[];
  durations: BaiduDurations;
  rules: BaiduRules;
  authorizers: { appId: number; authorized: boolean; accessToken: string | null; refreshToken: string | null }[];
}

export interface BaiduAuthorizeOptions {
  appId?: number;
  preAuthCode?: string;
  redirectUri?: string;
  /** Scope names granted (app info `auth_info`). */
  scopes?: string[];
}

export interface BaiduAuthorizeOutcome {
  appId: number;
  authorizationCode: string;
  expiresIn: number;
  event: 'AUTHORIZED' | 'UPDATE_AUTHORIZED';
  redirect: string | null;
  pushId: string | null;
}

export interface JsonPushFilter {
  appid?: string;
  kind?: string;
}

export type JsonPushList = { pushes: PushRecord[] };
