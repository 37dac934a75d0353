/** The third-party adapter of each platform: the one place that picks by platform. */
import type { TpPlatform } from '../workflows/tp-platforms';
import { baiduTpAdapter } from './baidu/tp-adapter';
import { douyinTpAdapter } from './douyin/tp-adapter';
import type { ThirdPartyAdapter } from './tp-adapter';
import { wechatTpAdapter } from './wechat/tp-adapter';

const ADAPTERS: Readonly<Record<TpPlatform, ThirdPartyAdapter>> = {
  wechat: wechatTpAdapter,
  douyin: douyinTpAdapter,
  baidu: baiduTpAdapter,
};

export function tpAdapter(platform: TpPlatform): ThirdPartyAdapter {
  return ADAPTERS[platform];
}
