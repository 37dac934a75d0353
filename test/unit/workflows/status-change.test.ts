import { credentialOfId, isNotifiedChange, ticketStaleAt } from '../../../workflows/status-change';

describe('status-change notifications', () => {
  it('notifies entering and leaving reauth_required, credential_invalid, revoked and expired, nothing else', () => {
    expect(isNotifiedChange('active', 'reauth_required')).toBe(true);
    expect(isNotifiedChange('reauth_required', 'active')).toBe(true);
    expect(isNotifiedChange('pending', 'credential_invalid')).toBe(true);
    expect(isNotifiedChange('credential_invalid', 'expired')).toBe(true);
    expect(isNotifiedChange('degraded', 'expired')).toBe(true);
    expect(isNotifiedChange('active', 'revoked')).toBe(true);
    expect(isNotifiedChange('active', 'degraded')).toBe(false);
    expect(isNotifiedChange('pending', 'active')).toBe(false);
    expect(isNotifiedChange('expired', 'expired')).toBe(false);
    // A workflow's first status (no earlier one published) is no change.
    expect(isNotifiedChange(undefined, 'credential_invalid')).toBe(false);
  });

  it('names the credential of each workflow ID kind', () => {
    expect(credentialOfId('app/wechat/wx1')).toEqual({
      credentialId: 'app/wechat/wx1',
      platform: 'wechat',
      kind: 'app',
      appid: 'wx1',
    });
    expect(credentialOfId('component/douyin/tt1')).toEqual({
      credentialId: 'component/douyin/tt1',
      platform: 'douyin',
      kind: 'component',
      componentAppid: 'tt1',
    });
    expect(credentialOfId('authorizer/baidu/c1/a1')).toEqual({
      credentialId: 'authorizer/baidu/c1/a1',
      platform: 'baidu',
      kind: 'authorizer',
      componentAppid: 'c1',
      authorizerAppid: 'a1',
    });
  });

  it('calls a push channel stale once it has been silent for the threshold', () => {
    expect(ticketStaleAt(1_000, 500, 1_499)).toBe(false);
    expect(ticketStaleAt(1_000, 500, 1_500)).toBe(true);
  });
});
