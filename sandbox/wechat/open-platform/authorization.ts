import type { WechatState } from '../state';
import { OPEN_PLATFORM_DURATIONS as D, type WechatComponent } from './component';
import { deliverPush, type PushDelivery } from './push';
import { SandboxClock } from '../../core/clock';

export type DeliverMode = 'redirect' | 'event' | 'both';

export interface AuthorizeRequest {
  authorizerAppid: string;
  funcInfo?: number[];
  deliver?: DeliverMode;
  redirectUri?: string;
  preAuthCode?: string;
}

export interface AuthorizeResult {
  authorizationCode: string;
  expiresIn: number;
  infoType: 'authorized' | 'updateauthorized';
  /** redirectUri + auth_code & expires_in, when the redirect is part of the delivery. */
  redirectUrl: string | null;
  /** The push of the event, when the event is part of the delivery (first attempt done). */
  push: PushDelivery | null;
}

/** A merchant consents on the authorization page: code minted, event pushed and/or redirect built. */
export async function authorizeMerchant(
  wx: WechatState,
  component: WechatComponent,
  input: AuthorizeRequest,
): Promise<AuthorizeResult> {
  const now = wx.now();
  const lifetime = wx.ms(D.authCodeLifetime);
  const { code, expiresAt, infoType } = component.authorize(
    input.authorizerAppid,
    input.funcInfo ?? [1, 2, 3],
    now,
    lifetime,
  );
  const deliver = input.deliver ?? 'both';
  const expiresIn = SandboxClock.expiresIn(lifetime);
  let redirectUrl: string | null = null;
  if (deliver !== 'event' && input.redirectUri) {
    const url = new URL(input.redirectUri);
    url.searchParams.set('auth_code', code);
    url.searchParams.set('expires_in', String(expiresIn));
    redirectUrl = url.toString();
  }
  let push: PushDelivery | null = null;
  if (deliver !== 'redirect') {
    push = await deliverPush(wx.core, component, {
      AppId: component.componentAppid,
      CreateTime: Math.floor(now / 1000),
      InfoType: infoType,
      AuthorizerAppid: input.authorizerAppid,
      AuthorizationCode: code,
      // Sample pushes carry an absolute unix time here (docs/platforms.md §2.9 leaves it open).
      AuthorizationCodeExpiredTime: Math.floor(expiresAt / 1000),
      PreAuthCode: input.preAuthCode ?? '',
    });
  }
  return { authorizationCode: code, expiresIn, infoType, redirectUrl, push };
}

/** The merchant withdraws: tokens and refresh token die, `unauthorized` is pushed. */
export async function unauthorizeMerchant(
  wx: WechatState,
  component: WechatComponent,
  authorizerAppid: string,
  push = true,
): Promise<PushDelivery | false | null> {
  const now = wx.now();
  if (!component.unauthorize(authorizerAppid, now)) return null;
  if (!push) return false;
  return deliverPush(wx.core, component, {
    AppId: component.componentAppid,
    CreateTime: Math.floor(now / 1000),
    InfoType: 'unauthorized',
    AuthorizerAppid: authorizerAppid,
  });
}
