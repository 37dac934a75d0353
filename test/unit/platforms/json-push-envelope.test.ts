/**
 * The JSON push envelope shared by Douyin and Baidu (platforms/common/json-push-envelope.ts): the
 * datetimes its messages carry are Beijing time (UTC+8), whatever the server's zone. The envelopes'
 * crypto is specified in push-crypto.test.ts.
 */
import { beijingSeconds } from '../../../platforms/common/json-push-envelope';

it('push datetimes are Beijing time', () => {
  expect(beijingSeconds('2019-01-14 12:45:10')).toBe(Date.UTC(2019, 0, 14, 4, 45, 10) / 1000);
});
