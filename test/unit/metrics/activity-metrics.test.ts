import { ApplicationFailure } from '@temporalio/common';
import { refreshLabels } from '../../../metrics/activity-metrics';

describe('refresh metrics labels', () => {
  it('labels token activities by platform, kind, outcome and the platform error code', () => {
    expect(refreshLabels('fetchWechatAppToken', [{ appid: 'wx' }])).toEqual({
      platform: 'wechat',
      kind: 'app',
      outcome: 'success',
      category: '',
      error_code: '',
    });
    const failure = ApplicationFailure.create({
      type: 'PlatformError',
      message: 'douyin 40009',
      details: [{ platform: 'douyin', category: 'refresh_token_invalid', code: '40009', message: 'x' }],
    });
    expect(refreshLabels('refreshAuthorizerToken', [{ platform: 'douyin' }], failure)).toEqual({
      platform: 'douyin',
      kind: 'authorizer',
      outcome: 'failure',
      category: 'refresh_token_invalid',
      error_code: '40009',
    });
    const secret = ApplicationFailure.create({ type: 'SecretUnavailable', message: 'x' });
    expect(refreshLabels('fetchComponentToken', [{ platform: 'baidu' }], secret)).toMatchObject({
      kind: 'component',
      error_code: 'secret_unavailable',
    });
  });

  it('ignores activities that obtain no token', () => {
    expect(refreshLabels('handOverGrant', [{}])).toBeUndefined();
    expect(refreshLabels('deliverWebhook', [{}])).toBeUndefined();
  });
});
