/**
 * The three third-party adapters behind one interface (platforms/tp-adapters.ts). Against the
 * sandbox over HTTP, every platform answers the calls the workflows and the gateway make in the
 * same normalized shape; each platform's push reader turns its own format (WeChat XML signed in
 * the query, the Douyin and Baidu JSON envelopes) into the same push action; and the
 * component-token retry acts only on what the platform's adapter calls a token rejection.
 */
import { buildBaiduPush, type BaiduPushMessage } from '../../../platforms/baidu/push-crypto';
import { PushCryptoError } from '../../../platforms/common/biz-msg-crypt';
import { messageDigest } from '../../../platforms/common/unhandled-event';
import { buildDouyinPush, type DouyinPushMessage } from '../../../platforms/douyin/push-crypto';
import { PlatformError } from '../../../platforms/errors';
import { withComponentToken, type PushAction, type TpEndpoint } from '../../../platforms/tp-adapter';
import { tpAdapter } from '../../../platforms/tp-adapters';
import { buildWechatPush, wechatPushToXml, type WechatPushMessage } from '../../../platforms/wechat/push-crypto';
import { startSandbox, type SandboxHandle } from '../../../sandbox';
import type { Permission } from '../../../workflows/messages';
import { TP_PLATFORMS, type TpPlatform } from '../../../workflows/tp-platforms';

const http = { timeoutMs: 2_000 };
let sandbox: SandboxHandle;
beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 1, seed: 17 });
});
afterAll(async () => {
  await sandbox?.close();
});

/** A component with a pushed ticket, and one merchant authorization through the sandbox's control API. */
interface Authorized {
  componentAppid: string;
  secret?: string;
  ticket: string;
  code: string;
  /** The app id the exchange must name; undefined where it does not (Baidu). */
  named?: string;
  authorizerAppid: string;
  permissions: Permission[];
}

const authorize: Record<TpPlatform, () => Promise<Authorized>> = {
  async wechat() {
    const component = await sandbox.control.createWechatComponent();
    const { ticket } = await sandbox.control.pushTicket(component.componentAppid);
    const authorizerAppid = 'wxadapterauth01';
    const auth = await sandbox.control.authorize(component.componentAppid, {
      authorizerAppid,
      funcInfo: [1, 7],
      deliver: 'redirect',
    });
    return {
      componentAppid: component.componentAppid,
      secret: component.secret,
      ticket,
      code: auth.authorizationCode,
      named: authorizerAppid,
      authorizerAppid,
      permissions: [1, 7],
    };
  },
  async douyin() {
    const tp = await sandbox.control.createDouyinTpApp();
    const { ticket } = await sandbox.control.pushDouyinTicket(tp.componentAppid);
    const auth = await sandbox.control.douyinAuthorize(tp.componentAppid, {
      permissions: [{ id: 4, category: 'base', description: 'basic info' }],
    });
    return {
      componentAppid: tp.componentAppid,
      secret: tp.componentSecret,
      ticket,
      code: auth.authorizationCode,
      named: auth.authorizerAppid,
      authorizerAppid: auth.authorizerAppid,
      permissions: [4],
    };
  },
  async baidu() {
    const tp = await sandbox.control.createBaiduTpApp();
    const { ticket } = await sandbox.control.pushBaiduTicket(tp.clientId);
    const auth = await sandbox.control.baiduAuthorize(tp.clientId, { scopes: ['小程序开发管理', '数据分析'] });
    return {
      componentAppid: tp.clientId,
      ticket,
      code: auth.authorizationCode,
      authorizerAppid: String(auth.appId),
      // Not in the exchange answer: from the app-info API's auth_info.
      permissions: ['小程序开发管理', '数据分析'],
    };
  },
};

describe.each(TP_PLATFORMS)('%s adapter against the sandbox', (platform) => {
  const adapter = tpAdapter(platform);

  it('component token, pre-auth code and page, exchange, refresh, recovery: one normalized shape', async () => {
    const given = await authorize[platform]();
    const endpoint: TpEndpoint = { baseUrl: sandbox.url, componentAppid: given.componentAppid };

    const component = await adapter.fetchComponentToken(
      { ...endpoint, secret: given.secret, ticket: given.ticket },
      http,
    );
    expect(component).toEqual({ accessToken: expect.any(String), expiresInSeconds: expect.any(Number) });

    const pre = await adapter.createPreAuthCode(endpoint, component.accessToken, http);
    const page = new URL(
      adapter.authorizationPageUrl({
        pageBaseUrl: 'https://console.example',
        componentAppid: given.componentAppid,
        preAuthCode: pre.preAuthCode,
        redirectUri: 'https://gateway.example/callback?x=1',
      }),
    );
    expect(page.origin).toBe('https://console.example');
    expect(page.searchParams.get('pre_auth_code')).toBe(pre.preAuthCode);
    expect(page.searchParams.get('redirect_uri')).toBe('https://gateway.example/callback?x=1');
    expect(new URL(adapter.defaultPageBaseUrl).protocol).toBe('https:');

    const exchanged = await adapter.exchangeCode(endpoint, component.accessToken, given.code, http);
    expect(exchanged).toMatchObject({
      accessToken: expect.any(String),
      expiresInSeconds: expect.any(Number),
      refreshToken: expect.any(String),
      permissions: given.permissions,
    });
    expect(exchanged.authorizerAppid).toBe(given.named);
    // Where the exchange does not name the app, the adapter can look it up with the new token.
    if (given.named === undefined) {
      expect(await adapter.fetchAuthorizerAppid?.(endpoint, exchanged.accessToken ?? '', http)).toBe(
        given.authorizerAppid,
      );
    }

    const refreshed = await adapter.refreshAuthorizerToken(
      { ...endpoint, authorizerAppid: given.authorizerAppid, refreshToken: exchanged.refreshToken ?? '' },
      component.accessToken,
      http,
    );
    expect(refreshed).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String) });
    expect(refreshed.accessToken).not.toBe(exchanged.accessToken);
    expect(refreshed.expiresInSeconds).toBeGreaterThan(0);

    // Recovery after a lost refresh token: a retrieved code on Douyin and Baidu, the authorizer list on WeChat.
    const target = { ...endpoint, authorizerAppid: given.authorizerAppid };
    if (adapter.retrieveAuthorizationCode) {
      const retrieved = await adapter.retrieveAuthorizationCode(target, component.accessToken, http);
      const again = await adapter.exchangeCode(endpoint, component.accessToken, retrieved.authorizationCode, http);
      expect(again.authorizerAppid).toBe(given.named);
      expect(again.refreshToken).toEqual(expect.any(String));
    } else {
      const held = await adapter.findAuthorizerRefreshToken?.(target, component.accessToken, http);
      expect(held).toBe(refreshed.refreshToken);
    }
  });
});

describe('component-token rejection', () => {
  const rejected = new PlatformError({ platform: 'x', category: 'token_invalid', code: '40001', message: 'x' });
  const invalidClient = new PlatformError({
    platform: 'baidu',
    category: 'credential_invalid',
    code: 'invalid_client',
    message: 'unknown client id',
  });

  it('is a token_invalid answer everywhere, and also Baidu OAuth invalid_client', () => {
    for (const platform of TP_PLATFORMS) {
      expect(tpAdapter(platform).rejectsComponentToken(rejected)).toBe(true);
      expect(tpAdapter(platform).rejectsComponentToken(new Error('network'))).toBe(false);
      expect(tpAdapter(platform).rejectsComponentToken(invalidClient)).toBe(platform === 'baidu');
    }
  });

  it('retries once with the replacement token, and never after another failure', async () => {
    const replaced: string[] = [];
    const tokens = {
      current: async () => 'old',
      replace: async (token: string) => {
        replaced.push(token);
        return 'new';
      },
    };
    const seen: string[] = [];
    const answer = await withComponentToken(tpAdapter('douyin'), tokens, async (token) => {
      seen.push(token);
      if (token === 'old') throw rejected;
      return `called with ${token}`;
    });
    expect(answer).toBe('called with new');
    expect(seen).toEqual(['old', 'new']);
    expect(replaced).toEqual(['old']);

    const busy = new PlatformError({ platform: 'douyin', category: 'retry_later', code: '40000', message: 'busy' });
    const attempts: string[] = [];
    await expect(
      withComponentToken(tpAdapter('douyin'), tokens, async (token) => {
        attempts.push(token);
        throw busy;
      }),
    ).rejects.toBe(busy);
    expect(attempts).toEqual(['old']);
  });
});

describe('push readers: each format becomes the same action', () => {
  const KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
  const keys = { token: 'push-token', encodingAESKey: KEY };
  const NOW = 1_700_000_000;
  /** NOW as the Beijing wall time Douyin and Baidu push. */
  const BEIJING_NOW = '2023-11-15 06:13:20';
  const signed = { timestamp: String(NOW), nonce: 'nonce1' };

  const WX = 'wxcomponent0001';
  const DY = 'tttpapp00000001';
  const BD = 'bdclientid00001';

  /** What a platform sends, and the decrypted message whose digest the reader hands to the duplicate check. */
  type Built = { query: Record<string, string>; body: string; plaintext: string };
  const wechat = (message: WechatPushMessage | string): Built => {
    const { query, body } = buildWechatPush({ ...keys, ...signed, componentAppid: WX, message });
    return { query, body, plaintext: typeof message === 'string' ? message : wechatPushToXml(message) };
  };
  const sealed = (message: object | string, { body }: { body: string }): Built => ({
    query: {},
    body,
    plaintext: typeof message === 'string' ? message : JSON.stringify(message),
  });
  const douyin = (message: DouyinPushMessage | string) =>
    sealed(message, buildDouyinPush({ ...keys, ...signed, tpAppid: DY, message }));
  const baidu = (message: BaiduPushMessage | string) =>
    sealed(message, buildBaiduPush({ ...keys, ...signed, clientId: BD, message }));
  /** A message sent again with another nonce (a platform's retry may re-encrypt). */
  const resealed = (platform: TpPlatform, plaintext: string) => {
    const again = { ...keys, timestamp: String(NOW + 5), nonce: 'nonce2', message: plaintext };
    if (platform === 'wechat') return buildWechatPush({ ...again, componentAppid: WX });
    return {
      query: {},
      body: (platform === 'douyin'
        ? buildDouyinPush({ ...again, tpAppid: DY })
        : buildBaiduPush({ ...again, clientId: BD })
      ).body,
    };
  };

  const douyinEvent = { AppId: 'ttauthorizer001', TpAppId: DY, EventTime: BEIJING_NOW };
  const baiduEvent = { appId: 24680, tpAppId: 13579, eventTime: BEIJING_NOW };
  const cases: Record<
    TpPlatform,
    { componentAppid: string; authorizerAppid: string; pushes: Record<PushAction['kind'], Built>; ignoredEvent: string }
  > = {
    wechat: {
      componentAppid: WX,
      authorizerAppid: 'wxauthorizer001',
      pushes: {
        ticket: wechat({
          AppId: WX,
          CreateTime: NOW,
          InfoType: 'component_verify_ticket',
          ComponentVerifyTicket: 'ticket@@@1',
        }),
        authorized: wechat({
          AppId: WX,
          CreateTime: NOW,
          InfoType: 'authorized',
          AuthorizerAppid: 'wxauthorizer001',
          AuthorizationCode: 'code@@@1',
          AuthorizationCodeExpiredTime: NOW + 3600,
          PreAuthCode: 'preauthcode@@@1',
        }),
        unauthorized: wechat({
          AppId: WX,
          CreateTime: NOW,
          InfoType: 'unauthorized',
          AuthorizerAppid: 'wxauthorizer001',
        }),
        // A fast-registration notice (§2.9): verified like any push, then only answered.
        ignored: wechat(
          `<xml><AppId><![CDATA[${WX}]]></AppId><CreateTime>${NOW}</CreateTime><InfoType><![CDATA[notify_third_fasteregister]]></InfoType><status>0</status></xml>`,
        ),
      },
      ignoredEvent: 'notify_third_fasteregister',
    },
    douyin: {
      componentAppid: DY,
      authorizerAppid: 'ttauthorizer001',
      pushes: {
        ticket: douyin({
          Ticket: 'ticket@@@1',
          FromUserName: 'ByteDanceMicroApp',
          CreateTime: BEIJING_NOW,
          MsgType: 'Ticket',
          Event: 'PUSH',
        }),
        authorized: douyin({
          ...douyinEvent,
          Event: 'AUTHORIZED',
          AuthorizationCode: 'code@@@1',
          AuthorizationCodeExpiresIn: 3600,
        }),
        unauthorized: douyin({ ...douyinEvent, Event: 'UNAUTHORIZED' }),
        ignored: douyin(JSON.stringify({ ...douyinEvent, Event: 'PACKAGE_AUDIT_RESULT', Status: 1 })),
      },
      ignoredEvent: 'PACKAGE_AUDIT_RESULT',
    },
    baidu: {
      componentAppid: BD,
      authorizerAppid: '24680',
      pushes: {
        ticket: baidu({
          Ticket: 'ticket@@@1',
          FromUserName: 'smartapp',
          CreateTime: NOW,
          MsgType: 'ticket',
          Event: 'push',
        }),
        authorized: baidu({
          ...baiduEvent,
          event: 'AUTHORIZED',
          authorizationCode: 'code@@@1',
          authorizationCodeExpiresIn: 3600,
        }),
        unauthorized: baidu({ ...baiduEvent, event: 'UNAUTHORIZED' }),
        ignored: baidu(JSON.stringify({ ...baiduEvent, event: 'APPLY_APP_MOBILE_AUTH_PASS' })),
      },
      ignoredEvent: 'APPLY_APP_MOBILE_AUTH_PASS',
    },
  };

  const check = (componentAppid: string) => ({
    componentAppid,
    keys,
    maxBodyBytes: 64 * 1024,
    maxSkewSeconds: 300,
    nowSeconds: NOW,
  });

  it.each(TP_PLATFORMS)('%s', (platform) => {
    const { componentAppid, authorizerAppid, pushes, ignoredEvent } = cases[platform];
    const reader = tpAdapter(platform).push;
    const expected: Record<PushAction['kind'], PushAction> = {
      ticket: { kind: 'ticket', ticket: 'ticket@@@1', createTime: NOW },
      authorized: { kind: 'authorized', authorizerAppid, code: 'code@@@1', source: 'authorized', at: NOW * 1000 },
      unauthorized: { kind: 'unauthorized', authorizerAppid, at: NOW * 1000 },
      ignored: { kind: 'ignored', event: ignoredEvent },
    };
    for (const kind of ['ticket', 'authorized', 'unauthorized', 'ignored'] as const) {
      const { query, body, plaintext } = pushes[kind];
      expect(reader.open(check(componentAppid), { query, body })).toEqual({
        action: expected[kind],
        duplicateKey: messageDigest(plaintext),
        timestamp: String(NOW),
      });
    }
    // The same message in a new envelope (new nonce, new random prefix) is known by the same key.
    const { query, body } = pushes.ticket;
    expect(reader.open(check(componentAppid), { query, body }).duplicateKey).toBe(
      reader.open(check(componentAppid), resealed(platform, pushes.ticket.plaintext)).duplicateKey,
    );
    // Signed for this component: refused anywhere else.
    expect(() => reader.open(check('someothercomp01'), pushes.ticket)).toThrow(PushCryptoError);
  });

  it('an inner appid that contradicts the trailer is refused (WeChat AppId, Douyin TpAppId)', () => {
    const foreignComponent = wechat({
      AppId: 'wxsomeoneelse01',
      CreateTime: NOW,
      InfoType: 'component_verify_ticket',
      ComponentVerifyTicket: 't',
    });
    const foreignTpApp = douyin({ ...douyinEvent, TpAppId: 'ttsomeoneelse01', Event: 'UNAUTHORIZED' });
    const refusal = (platform: TpPlatform, request: { query: Record<string, string>; body: string }) => {
      try {
        tpAdapter(platform).push.open(check(cases[platform].componentAppid), request);
      } catch (err) {
        return err instanceof PushCryptoError ? err.code : String(err);
      }
      return 'accepted';
    };
    expect(refusal('wechat', foreignComponent)).toBe('wrong_appid');
    expect(refusal('douyin', foreignTpApp)).toBe('wrong_appid');
  });
});
