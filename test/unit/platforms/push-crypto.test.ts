/**
 * Each platform's push format (platforms/{wechat,douyin,baidu}/push-crypto.ts) checked against
 * openssl and hand framing, both ways: WeChat XML with a 16-byte prefix and appid trailer, Douyin
 * JSON with a 32-byte prefix and TP appid trailer, Baidu JSON with a 16-byte prefix and client_id
 * trailer; authorization events round-trip; bad signatures, appids, bodies and stale timestamps are
 * refused; pushes sealed with the previous key open.
 */
import { spawnSync } from 'node:child_process';
import { PushCryptoError, type PushCryptoErrorCode } from '../../../platforms/common/biz-msg-crypt';
import { buildBaiduPush, openBaiduPush, type BaiduPushMessage } from '../../../platforms/baidu/push-crypto';
import { buildDouyinPush, openDouyinPush, type DouyinPushMessage } from '../../../platforms/douyin/push-crypto';
import { buildWechatPush, openWechatPush, type WechatPushMessage } from '../../../platforms/wechat/push-crypto';

// ---- independent reference implementation: openssl CLI + hand-made framing -------------------------------------

function openssl(args: string[], input: Buffer): Buffer {
  const run = spawnSync('openssl', args, { input });
  if (run.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${run.stderr.toString()}`);
  return run.stdout;
}

function keyAndIv(encodingAESKey: string): { key: string; iv: string } {
  const raw = Buffer.from(`${encodingAESKey}=`, 'base64');
  return { key: raw.toString('hex'), iv: raw.subarray(0, 16).toString('hex') };
}

function handFrame(prefix: Buffer, msg: string, trailer: string): Buffer {
  const body = Buffer.from(msg, 'utf8');
  const len = Buffer.from([
    body.length >>> 24,
    (body.length >>> 16) & 255,
    (body.length >>> 8) & 255,
    body.length & 255,
  ]);
  const plain = Buffer.concat([prefix, len, body, Buffer.from(trailer, 'utf8')]);
  const pad = 32 - (plain.length % 32);
  return Buffer.concat([plain, Buffer.alloc(pad, pad)]);
}

function opensslEncrypt(encodingAESKey: string, plain: Buffer): string {
  const { key, iv } = keyAndIv(encodingAESKey);
  return openssl(['enc', '-aes-256-cbc', '-K', key, '-iv', iv, '-nopad'], plain).toString('base64');
}

function opensslDecrypt(encodingAESKey: string, encrypt: string): Buffer {
  const { key, iv } = keyAndIv(encodingAESKey);
  return openssl(['enc', '-d', '-aes-256-cbc', '-K', key, '-iv', iv, '-nopad'], Buffer.from(encrypt, 'base64'));
}

function handUnframe(plain: Buffer, prefixLength: number): { msg: string; trailer: string } {
  const pad = plain[plain.length - 1];
  const unpadded = plain.subarray(0, plain.length - pad);
  const len = unpadded.readUInt32BE(prefixLength);
  const start = prefixLength + 4;
  return {
    msg: unpadded.subarray(start, start + len).toString('utf8'),
    trailer: unpadded.subarray(start + len).toString('utf8'),
  };
}

/** sha1 of the sorted parts, computed by openssl rather than node:crypto. */
function opensslSignature(...parts: string[]): string {
  const out = openssl(['dgst', '-sha1', '-r'], Buffer.from([...parts].sort().join(''), 'utf8')).toString();
  return out.trim().split(/\s+/)[0];
}

function codeOf(fn: () => unknown): PushCryptoErrorCode | 'no error' {
  try {
    fn();
    return 'no error';
  } catch (err) {
    if (err instanceof PushCryptoError) return err.code;
    throw err;
  }
}

const KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const OLD_KEY = 'Zy9xWvUtSrQpOnMlKjIhGfEdCbA0123456789abcdEF';
const fixed = (n: number) => Buffer.alloc(n, 0x5a);

// ---- WeChat -------------------------------------------------------------------------------------------------

describe('WeChat component push', () => {
  const config = { token: 'wx-token', encodingAESKey: KEY, componentAppid: 'wx0123456789abcdef' };
  const ticket: WechatPushMessage = {
    AppId: config.componentAppid,
    CreateTime: 1413192605,
    InfoType: 'component_verify_ticket',
    ComponentVerifyTicket: 'ticket@@@abc',
  };

  it('opens a push built by openssl and hand framing', () => {
    const xml =
      `<xml><AppId><![CDATA[${config.componentAppid}]]></AppId><CreateTime>1413192605</CreateTime>` +
      '<InfoType><![CDATA[component_verify_ticket]]></InfoType>' +
      '<ComponentVerifyTicket><![CDATA[ticket@@@abc]]></ComponentVerifyTicket></xml>';
    const encrypt = opensslEncrypt(KEY, handFrame(fixed(16), xml, config.componentAppid));
    const query = {
      timestamp: '1700000000',
      nonce: 'n1',
      msg_signature: opensslSignature('wx-token', '1700000000', 'n1', encrypt),
    };
    const body = `<xml><AppId><![CDATA[${config.componentAppid}]]></AppId><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
    const opened = openWechatPush(config, query, body);
    expect(opened.message).toEqual(ticket);
    expect(opened.keyUsed).toBe('current');
  });

  it('builds a push openssl can decrypt, with both signatures right', () => {
    const built = buildWechatPush({ ...config, message: ticket, timestamp: '1700000001', nonce: 'n2', random: fixed });
    const encrypt = /<Encrypt><!\[CDATA\[([^\]]+)\]\]><\/Encrypt>/.exec(built.body)?.[1] ?? '';
    const { msg, trailer } = handUnframe(opensslDecrypt(KEY, encrypt), 16);
    expect(trailer).toBe(config.componentAppid);
    expect(msg).toContain('<ComponentVerifyTicket><![CDATA[ticket@@@abc]]></ComponentVerifyTicket>');
    expect(built.query.msg_signature).toBe(opensslSignature('wx-token', '1700000001', 'n2', encrypt));
    expect(built.query.signature).toBe(opensslSignature('wx-token', '1700000001', 'n2'));
    expect(built.query.encrypt_type).toBe('aes');
  });

  it('round-trips authorization events', () => {
    const events: WechatPushMessage[] = [
      {
        AppId: config.componentAppid,
        CreateTime: 1,
        InfoType: 'authorized',
        AuthorizerAppid: 'wxauth',
        AuthorizationCode: 'queryauthcode@@@x',
        AuthorizationCodeExpiredTime: 1700003600,
        PreAuthCode: 'preauthcode@@@y',
      },
      { AppId: config.componentAppid, CreateTime: 2, InfoType: 'unauthorized', AuthorizerAppid: 'wxauth' },
    ];
    for (const message of events) {
      const built = buildWechatPush({ ...config, message, timestamp: '5', nonce: 'n' });
      expect(openWechatPush(config, built.query, built.body).message).toEqual(message);
    }
  });

  it('rejects bad signature, wrong appid, DOCTYPE, oversize bodies and payloads it cannot read', () => {
    const built = buildWechatPush({ ...config, message: ticket, timestamp: '5', nonce: 'n' });
    expect(codeOf(() => openWechatPush(config, { ...built.query, msg_signature: '0'.repeat(40) }, built.body))).toBe(
      'bad_signature',
    );
    expect(codeOf(() => openWechatPush({ ...config, componentAppid: 'wxother' }, built.query, built.body))).toBe(
      'wrong_trailer',
    );
    expect(codeOf(() => openWechatPush(config, { timestamp: '5', nonce: 'n' }, built.body))).toBe('bad_envelope');
    const xxe = `<!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]>${built.body}`;
    expect(codeOf(() => openWechatPush(config, built.query, xxe))).toBe('bad_envelope');
    expect(codeOf(() => openWechatPush({ ...config, maxBodyBytes: 100 }, built.query, built.body))).toBe('too_large');
    const seal = (message: string) => buildWechatPush({ ...config, message, timestamp: '5', nonce: 'n' });
    // A handled InfoType that does not fit its schema, or a payload that names no type: refused.
    const broken = seal('<xml><InfoType>authorized</InfoType></xml>');
    expect(codeOf(() => openWechatPush(config, broken.query, broken.body))).toBe('bad_payload');
    const untyped = seal('<xml><AppId>wxcomponent</AppId></xml>');
    expect(codeOf(() => openWechatPush(config, untyped.query, untyped.body))).toBe('bad_payload');
    // An InfoType the project does not handle opens as an unhandled event (answered, not acted on).
    const other = seal('<xml><InfoType>notify_third_fasteregister</InfoType></xml>');
    expect(openWechatPush(config, other.query, other.body).message).toEqual({
      unhandledEvent: 'notify_third_fasteregister',
      payload: { InfoType: 'notify_third_fasteregister' },
    });
  });

  it('opens pushes sealed with the previous key', () => {
    const built = buildWechatPush({ ...config, encodingAESKey: OLD_KEY, message: ticket, timestamp: '5', nonce: 'n' });
    const opened = openWechatPush({ ...config, previousEncodingAESKey: OLD_KEY }, built.query, built.body);
    expect(opened.keyUsed).toBe('previous');
    expect(opened.message).toEqual(ticket);
  });
});

// ---- Douyin -------------------------------------------------------------------------------------------------

describe('Douyin tpapp push', () => {
  const config = { token: 'dy-token', encodingAESKey: KEY, tpAppid: 'tt0123456789abcdef' };
  const ticket: DouyinPushMessage = {
    Ticket: 'ticket-1',
    FromUserName: 'ByteDanceMicroApp',
    CreateTime: '2019-01-14 12:45:10',
    MsgType: 'Ticket',
    Event: 'PUSH',
  };

  it('opens a push built by openssl with a 32-byte prefix', () => {
    const encrypt = opensslEncrypt(KEY, handFrame(fixed(32), JSON.stringify(ticket), config.tpAppid));
    const body = JSON.stringify({
      Nonce: '4464221',
      TimeStamp: '1535551395',
      Encrypt: encrypt,
      MsgSignature: opensslSignature('dy-token', '1535551395', '4464221', encrypt),
    });
    expect(openDouyinPush(config, body).message).toEqual(ticket);
  });

  it('builds a push openssl can decrypt (32-byte prefix, TP appid trailer)', () => {
    const { envelope, body } = buildDouyinPush({
      ...config,
      message: ticket,
      timestamp: '9',
      nonce: 'n',
      random: fixed,
    });
    const { msg, trailer } = handUnframe(opensslDecrypt(KEY, envelope.Encrypt), 32);
    expect(trailer).toBe(config.tpAppid);
    expect(JSON.parse(msg)).toEqual(ticket);
    expect(JSON.parse(body).MsgSignature).toBe(opensslSignature('dy-token', '9', 'n', envelope.Encrypt));
  });

  it('round-trips authorization events and rejects bad ones', () => {
    const authorized: DouyinPushMessage = {
      AppId: 'ttmini',
      TpAppId: config.tpAppid,
      EventTime: '2024-01-01 00:00:00',
      Event: 'AUTHORIZED',
      AuthorizationCode: 'code',
      AuthorizationCodeExpiresIn: 3600,
    };
    const built = buildDouyinPush({ ...config, message: authorized, timestamp: '9', nonce: 'n' });
    expect(openDouyinPush(config, built.body).message).toEqual(authorized);
    const withoutCode = buildDouyinPush({
      ...config,
      message: JSON.stringify({ ...authorized, AuthorizationCode: undefined }),
      timestamp: '9',
      nonce: 'n',
    });
    expect(codeOf(() => openDouyinPush(config, withoutCode.body))).toBe('bad_payload');
    const tampered = JSON.stringify({ ...built.envelope, Nonce: 'other' });
    expect(codeOf(() => openDouyinPush(config, tampered))).toBe('bad_signature');
    expect(codeOf(() => openDouyinPush({ ...config, tpAppid: 'ttother' }, built.body))).toBe('wrong_trailer');
    expect(codeOf(() => openDouyinPush(config, '{"Nonce":1}'))).toBe('bad_envelope');
  });

  it('a 16-byte-prefix (WeChat-style) ciphertext is not accepted', () => {
    const encrypt = opensslEncrypt(KEY, handFrame(fixed(16), JSON.stringify(ticket), config.tpAppid));
    const body = JSON.stringify({
      Nonce: 'n',
      TimeStamp: '1',
      Encrypt: encrypt,
      MsgSignature: opensslSignature('dy-token', '1', 'n', encrypt),
    });
    expect(codeOf(() => openDouyinPush(config, body))).not.toBe('no error');
  });
});

// ---- Baidu --------------------------------------------------------------------------------------------------

describe('Baidu TP push', () => {
  const config = { token: 'bd-token', encodingAESKey: KEY, clientId: 'bdClientKey123' };
  const ticket: BaiduPushMessage = {
    Ticket: 'ticket-b',
    FromUserName: 'SmartAPP',
    CreateTime: 1413192605,
    MsgType: 'ticket',
    Event: 'push',
  };

  it('opens a push built by openssl with a 16-byte prefix and client_id trailer', () => {
    const encrypt = opensslEncrypt(KEY, handFrame(fixed(16), JSON.stringify(ticket), config.clientId));
    const body = JSON.stringify({
      Nonce: 'n',
      TimeStamp: '1535551395',
      Encrypt: encrypt,
      MsgSignature: opensslSignature('bd-token', '1535551395', 'n', encrypt),
    });
    expect(openBaiduPush(config, body).message).toEqual(ticket);
  });

  it('builds a push openssl can decrypt', () => {
    const { envelope } = buildBaiduPush({ ...config, message: ticket, timestamp: '9', nonce: 'n', random: fixed });
    const { msg, trailer } = handUnframe(opensslDecrypt(KEY, envelope.Encrypt), 16);
    expect(trailer).toBe(config.clientId);
    expect(JSON.parse(msg)).toEqual(ticket);
    expect(envelope.MsgSignature).toBe(opensslSignature('bd-token', '9', 'n', envelope.Encrypt));
  });

  it('parses camelCase events, accepts a quoted CreateTime, falls back to the previous key', () => {
    const event: BaiduPushMessage = {
      appId: 12345678,
      tpAppId: 42,
      eventTime: '2024-01-01 00:00:00',
      event: 'UPDATE_AUTHORIZED',
      authorizationCode: 'c',
      authorizationCodeExpiresIn: 60,
    };
    const built = buildBaiduPush({ ...config, encodingAESKey: OLD_KEY, message: event, timestamp: '9', nonce: 'n' });
    const opened = openBaiduPush({ ...config, previousEncodingAESKey: OLD_KEY }, built.body);
    expect(opened).toMatchObject({ message: event, keyUsed: 'previous' });
    expect(codeOf(() => openBaiduPush(config, built.body))).not.toBe('no error');
    const quoted = buildBaiduPush({
      ...config,
      message: JSON.stringify({ ...ticket, CreateTime: '1413192605' }),
      timestamp: '9',
      nonce: 'n',
    });
    expect(openBaiduPush(config, quoted.body).message).toEqual(ticket);
  });

  it('rejects stale timestamps when a skew window is configured', () => {
    const built = buildBaiduPush({ ...config, message: ticket, timestamp: '1000', nonce: 'n' });
    expect(codeOf(() => openBaiduPush({ ...config, maxSkewSeconds: 300 }, built.body, { nowSeconds: 2000 }))).toBe(
      'stale_timestamp',
    );
    expect(openBaiduPush({ ...config, maxSkewSeconds: 300 }, built.body, { nowSeconds: 1200 }).message).toEqual(ticket);
  });
});
