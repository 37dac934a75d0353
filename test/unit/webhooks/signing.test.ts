import { createHmac } from 'node:crypto';
import { webhookBody } from '../../../webhooks/payload';
import { signedHeaders, verifyWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../../webhooks/signing';

const secret = 'whsec-test';
const body = JSON.stringify({ id: 'n1', new_status: 'reauth_required' });

describe('webhook signing', () => {
  it('signs HMAC-SHA256 over "timestamp.body", which a receiver recomputes', () => {
    const headers = signedHeaders(secret, 1_700_000_000, body);
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(headers).toEqual({ [SIGNATURE_HEADER]: `v1=${expected}`, [TIMESTAMP_HEADER]: '1700000000' });
    expect(verifyWebhook(secret, headers, body, 1_700_000_010)).toEqual({ ok: true });
  });

  it('refuses a changed body, another secret, a replay outside the window and missing headers', () => {
    const headers = signedHeaders(secret, 1_700_000_000, body);
    expect(verifyWebhook(secret, headers, body.replace('reauth', 'xreauth'), 1_700_000_000)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifyWebhook('other', headers, body, 1_700_000_000)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyWebhook(secret, headers, body, 1_700_000_301)).toEqual({ ok: false, reason: 'stale' });
    // The timestamp is signed: moving it forward to pass the window breaks the signature.
    expect(verifyWebhook(secret, { ...headers, [TIMESTAMP_HEADER]: '1700000400' }, body, 1_700_000_400)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifyWebhook(secret, {}, body, 1_700_000_000)).toEqual({ ok: false, reason: 'missing' });
  });

  it('sends names, statuses, time and reason in snake_case', () => {
    expect(
      webhookBody({
        id: 'notify/x',
        type: 'credential.status_changed',
        credentialId: 'authorizer/douyin/c1/a1',
        platform: 'douyin',
        kind: 'authorizer',
        componentAppid: 'c1',
        authorizerAppid: 'a1',
        oldStatus: 'active',
        newStatus: 'reauth_required',
        at: Date.UTC(2026, 0, 1),
        reason: 'refresh_token_invalid/40009: x',
      }),
    ).toEqual({
      id: 'notify/x',
      type: 'credential.status_changed',
      credential_id: 'authorizer/douyin/c1/a1',
      platform: 'douyin',
      kind: 'authorizer',
      component_appid: 'c1',
      authorizer_appid: 'a1',
      old_status: 'active',
      new_status: 'reauth_required',
      at: '2026-01-01T00:00:00.000Z',
      reason: 'refresh_token_invalid/40009: x',
    });
  });
});
