/**
 * The WXBizMsgCrypt core shared by all three platforms' pushes (platforms/common/biz-msg-crypt.ts):
 * the published WeChat/WeCom vectors reproduced and opened; each way decryption can fail reported
 * as its own error; the 32-byte pad block accepted; the random-prefix length enforced; a key ring
 * that falls back to the previous EncodingAESKey.
 */
import { createCipheriv } from 'node:crypto';
import {
  computeSignature,
  decryptMessage,
  decryptWithKeyRing,
  encryptMessage,
  PushCryptoError,
  type PushCryptoErrorCode,
} from '../../../platforms/common/biz-msg-crypt';

function codeOf(fn: () => unknown): PushCryptoErrorCode | 'no error' {
  try {
    fn();
    return 'no error';
  } catch (err) {
    if (err instanceof PushCryptoError) return err.code;
    throw err;
  }
}

// Published vectors. Sources:
// - WeChat Official Account WXBizMsgCrypt Java demo, WXBizMsgCryptTest.java (testAesEncrypt): key, appid and
//   the fixed random string "aaaabbbbccccdddd" with the expected ciphertext `afterAesEncrypt`.
// - WeCom (企业微信) WXBizMsgCrypt demos (Java/PHP/C#/Python, same algorithm, trailer = CorpID): the URL-verification
//   request (msg_signature 5c45ff5e…) and the message request (msg_signature 477715d1…).
describe('published WXBizMsgCrypt vectors', () => {
  const mp = {
    key: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
    appid: 'wxb11529c136998cb6',
    random: 'aaaabbbbccccdddd',
    message: '我是中文abcd123',
    encrypt: 'jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==',
  };

  it('reproduces the official demo ciphertext from its fixed random prefix, and decrypts it', () => {
    const encrypt = encryptMessage({
      encodingAESKey: mp.key,
      prefixLength: 16,
      message: mp.message,
      trailer: mp.appid,
      random: () => Buffer.from(mp.random),
    });
    expect(encrypt).toBe(mp.encrypt);
    expect(decryptMessage({ encodingAESKey: mp.key, prefixLength: 16, encrypt, expectedTrailer: mp.appid })).toEqual({
      message: mp.message,
      trailer: mp.appid,
    });
  });

  const wecom = { token: 'QDG6eK', key: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C', corpId: 'wx5823bf96d3bd56c7' };

  it('verifies and decrypts the WeCom message vector (signature 477715d1…)', () => {
    const encrypt =
      'RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3' +
      'TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gs' +
      'ijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUa' +
      'x5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIG' +
      'HBZZIs2pDBS8R07+qN+E7Q==';
    expect(computeSignature(wecom.token, '1409659813', '1372623149', encrypt)).toBe(
      '477715d11cdb4164915debcba66cb864d751f3e6',
    );
    const { message } = decryptMessage({
      encodingAESKey: wecom.key,
      prefixLength: 16,
      encrypt,
      expectedTrailer: wecom.corpId,
    });
    expect(message).toContain('<Content><![CDATA[hello]]></Content>');
    expect(message).toContain('<MsgId>4561255354251345929</MsgId>');
  });

  it('verifies and decrypts the WeCom URL-verification vector (signature 5c45ff5e…)', () => {
    const echostr = 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==';
    expect(computeSignature(wecom.token, '1409659589', '263014780', echostr)).toBe(
      '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3',
    );
    const opened = decryptMessage({
      encodingAESKey: wecom.key,
      prefixLength: 16,
      encrypt: echostr,
      expectedTrailer: wecom.corpId,
    });
    expect(opened.message).toMatch(/^\d+$/);
  });
});

describe('decryption errors are distinct', () => {
  const key = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
  const rawKey = Buffer.from(`${key}=`, 'base64');
  const trailer = 'tt1234567890';

  /** Encrypts an arbitrary (already padded) plaintext without going through our code. */
  function rawEncrypt(plain: Buffer): string {
    const cipher = createCipheriv('aes-256-cbc', rawKey, rawKey.subarray(0, 16));
    cipher.setAutoPadding(false);
    return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
  }

  function frame(prefix: number, msg: string, declaredLength = Buffer.byteLength(msg)): Buffer {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(declaredLength);
    return Buffer.concat([Buffer.alloc(prefix, 7), len, Buffer.from(msg), Buffer.from(trailer)]);
  }

  const decrypt =
    (encrypt: string, prefixLength: 16 | 32 = 16, encodingAESKey = key) =>
    () =>
      decryptMessage({ encodingAESKey, prefixLength, encrypt, expectedTrailer: trailer });

  it('bad_key: wrong length or alphabet', () => {
    expect(codeOf(decrypt('AAAA', 16, key.slice(1)))).toBe('bad_key');
    expect(codeOf(decrypt('AAAA', 16, `${key.slice(1)}+`))).toBe('bad_key');
  });

  it('bad_base64', () => {
    expect(codeOf(decrypt('not*base64!'))).toBe('bad_base64');
    expect(codeOf(decrypt('abc'))).toBe('bad_base64');
  });

  it('truncated: ciphertext cut mid-block, or a declared length beyond the plaintext', () => {
    const good = encryptMessage({ encodingAESKey: key, prefixLength: 16, message: 'hello', trailer });
    const cut = Buffer.from(good, 'base64').subarray(0, 40).toString('base64');
    expect(codeOf(decrypt(cut))).toBe('truncated');
    expect(codeOf(decrypt(''))).toBe('truncated');
    const lying = frame(16, 'hello', 500);
    const padded = Buffer.concat([lying, Buffer.alloc(32 - (lying.length % 32), 32 - (lying.length % 32))]);
    expect(codeOf(decrypt(rawEncrypt(padded)))).toBe('truncated');
  });

  it('bad_padding: pad value 0, above 32, or inconsistent', () => {
    const body = frame(16, 'hello');
    const fill = 64 - body.length;
    const zeroPad = Buffer.concat([body, Buffer.alloc(fill, 0)]);
    expect(codeOf(decrypt(rawEncrypt(zeroPad)))).toBe('bad_padding');
    const big = Buffer.concat([body, Buffer.alloc(fill + 32, 33)]).subarray(0, 96);
    big[95] = 33;
    expect(codeOf(decrypt(rawEncrypt(big)))).toBe('bad_padding');
    const mixed = Buffer.concat([body, Buffer.alloc(fill, fill)]);
    mixed[mixed.length - 2] = fill - 1;
    expect(codeOf(decrypt(rawEncrypt(mixed)))).toBe('bad_padding');
  });

  it('accepts the full pad block of 32 (which a 16-byte PKCS#7 unpad would reject)', () => {
    const body = frame(16, 'x'.repeat(32 - ((20 + trailer.length) % 32)));
    expect(body.length % 32).toBe(0);
    const plain = Buffer.concat([body, Buffer.alloc(32, 32)]);
    expect(decrypt(rawEncrypt(plain))()).toEqual({ message: expect.any(String), trailer });
  });

  it('wrong_trailer', () => {
    const encrypt = encryptMessage({ encodingAESKey: key, prefixLength: 16, message: 'hi', trailer: 'someone-else' });
    expect(codeOf(decrypt(encrypt))).toBe('wrong_trailer');
  });

  it('prefix length matters: a 32-byte-prefix message does not open as 16', () => {
    const encrypt = encryptMessage({ encodingAESKey: key, prefixLength: 32, message: 'hi', trailer });
    expect(decrypt(encrypt, 32)().message).toBe('hi');
    expect(codeOf(decrypt(encrypt, 16))).not.toBe('no error');
  });
});

describe('key ring', () => {
  const oldKey = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
  const newKey = 'ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut';
  const trailer = 'tp-app';

  it('falls back to the previous key and says so', () => {
    const encrypt = encryptMessage({ encodingAESKey: oldKey, prefixLength: 32, message: '{"a":1}', trailer });
    const input = { prefixLength: 32 as const, encrypt, expectedTrailer: trailer };
    expect(decryptWithKeyRing({ current: newKey, previous: oldKey }, input)).toEqual({
      message: '{"a":1}',
      trailer,
      keyUsed: 'previous',
    });
    expect(decryptWithKeyRing({ current: oldKey, previous: newKey }, input).keyUsed).toBe('current');
    expect(['bad_padding', 'truncated']).toContain(codeOf(() => decryptWithKeyRing({ current: newKey }, input)));
  });

  it('reports the most telling error when no key opens the message', () => {
    const encrypt = encryptMessage({ encodingAESKey: oldKey, prefixLength: 16, message: 'x', trailer: 'other' });
    const input = { prefixLength: 16 as const, encrypt, expectedTrailer: trailer };
    expect(codeOf(() => decryptWithKeyRing({ current: newKey, previous: oldKey }, input))).toBe('wrong_trailer');
  });
});
