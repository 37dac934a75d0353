/**
 * The demo platform for `npm start` when no platform credentials are configured: the sandbox
 * with a few WeChat apps whose tokens live about a minute, so the Web UI shows lifecycles at once,
 * plus a WeChat, a Douyin and a Baidu third-party platform with a few authorizers each.
 */
import { startSandbox, type SandboxHandle } from '../sandbox';
import type { ComponentConfig, WechatAppConfig } from '../config/config';

export interface Demo {
  sandbox: SandboxHandle;
  apps: WechatAppConfig[];
  /** Secrets of the demo apps, by env var name (the worker resolves them like real ones). */
  secrets: Record<string, string>;
  /** Third-party platforms (WeChat, Douyin, Baidu) whose pushes go to the gateway. */
  components: ComponentConfig[];
  /** Once the gateway listens: start ticket pushes and have a few merchants authorize. */
  startComponentDemo(): Promise<void>;
}

export const DEMO_COMPONENT_APPID = 'wxdemocomponent1';
export const DEMO_DOUYIN_TPAPP = 'ttdemotpapp00001';
export const DEMO_BAIDU_CLIENT_ID = 'bddemoclientid01';
const DEMO_DOUYIN_AUTHORIZERS = ['ttdemominiapp001', 'ttdemominiapp002'];
const DEMO_BAIDU_APP_IDS = [17000001, 17000002];
const DEMO_AUTHORIZERS = [
  { authorizerAppid: 'wxdemoauthorizer1', funcInfo: [1, 2, 3] },
  { authorizerAppid: 'wxdemoauthorizer2', funcInfo: [1, 15] },
  { authorizerAppid: 'wxdemoauthorizer3', funcInfo: [17, 18, 19] },
];

export async function startDemo(options: { port: number; timeScale: number; gatewayUrl: string }): Promise<Demo> {
  const sandbox = await startSandbox({
    port: options.port,
    host: '127.0.0.1',
    timeScale: options.timeScale,
    seed: 2026,
  });
  const apps: WechatAppConfig[] = [];
  const secrets: Record<string, string> = {};
  const demoApps = [
    { appid: 'wxdemo0000000001', mode: 'stable' },
    { appid: 'wxdemo0000000002', mode: 'basic' },
    { appid: 'wxdemo0000000003', mode: 'stable' },
  ] as const;
  for (const [index, demo] of demoApps.entries()) {
    const app = await sandbox.control.createWechatApp({ appid: demo.appid });
    const env = `DEMO_WECHAT_SECRET_${index + 1}`;
    secrets[env] = app.secret;
    apps.push({ platform: 'wechat', appid: app.appid, mode: demo.mode, secret: { env } });
  }
  const components: ComponentConfig[] = [];
  const component = await sandbox.control.createWechatComponent({
    componentAppid: DEMO_COMPONENT_APPID,
    callbackUrl: `${options.gatewayUrl}/v1/push/wechat/${DEMO_COMPONENT_APPID}`,
  });
  Object.assign(secrets, {
    DEMO_COMPONENT_SECRET: component.secret,
    DEMO_COMPONENT_TOKEN: component.token,
    DEMO_COMPONENT_AES_KEY: component.encodingAESKey,
  });
  components.push({
    platform: 'wechat',
    componentAppid: DEMO_COMPONENT_APPID,
    secret: { env: 'DEMO_COMPONENT_SECRET' },
    token: { env: 'DEMO_COMPONENT_TOKEN' },
    encodingAESKey: { env: 'DEMO_COMPONENT_AES_KEY' },
  });
  const douyin = await sandbox.control.createDouyinTpApp({
    componentAppid: DEMO_DOUYIN_TPAPP,
    callbackUrl: `${options.gatewayUrl}/v1/push/douyin/${DEMO_DOUYIN_TPAPP}`,
    startTickets: false,
  });
  Object.assign(secrets, {
    DEMO_DOUYIN_SECRET: douyin.componentSecret,
    DEMO_DOUYIN_TOKEN: douyin.token,
    DEMO_DOUYIN_AES_KEY: douyin.encodingAESKey,
  });
  components.push({
    platform: 'douyin',
    componentAppid: DEMO_DOUYIN_TPAPP,
    secret: { env: 'DEMO_DOUYIN_SECRET' },
    token: { env: 'DEMO_DOUYIN_TOKEN' },
    encodingAESKey: { env: 'DEMO_DOUYIN_AES_KEY' },
  });
  const baidu = await sandbox.control.createBaiduTpApp({
    clientId: DEMO_BAIDU_CLIENT_ID,
    callbackUrl: `${options.gatewayUrl}/v1/push/baidu/${DEMO_BAIDU_CLIENT_ID}`,
    startTickets: false,
  });
  Object.assign(secrets, { DEMO_BAIDU_TOKEN: baidu.token, DEMO_BAIDU_AES_KEY: baidu.encodingAESKey });
  components.push({
    platform: 'baidu',
    componentAppid: DEMO_BAIDU_CLIENT_ID,
    token: { env: 'DEMO_BAIDU_TOKEN' },
    encodingAESKey: { env: 'DEMO_BAIDU_AES_KEY' },
  });
  const startComponentDemo = async () => {
    await sandbox.control.startTickets(DEMO_COMPONENT_APPID);
    // Merchants authorize; their codes arrive as `authorized` events and are exchanged once the
    // component token exists (the exchange waits for it).
    for (const merchant of DEMO_AUTHORIZERS) {
      await sandbox.control.authorize(DEMO_COMPONENT_APPID, { ...merchant, deliver: 'event' });
    }
    // Douyin and Baidu: AUTHORIZED events over the JSON push channel; single-use refresh tokens from then on.
    await sandbox.control.startDouyinTickets(DEMO_DOUYIN_TPAPP);
    await sandbox.control.startBaiduTickets(DEMO_BAIDU_CLIENT_ID);
    for (const authorizerAppid of DEMO_DOUYIN_AUTHORIZERS) {
      await sandbox.control.douyinAuthorize(DEMO_DOUYIN_TPAPP, { authorizerAppid });
    }
    for (const appId of DEMO_BAIDU_APP_IDS) await sandbox.control.baiduAuthorize(DEMO_BAIDU_CLIENT_ID, { appId });
  };
  return { sandbox, apps, secrets, components, startComponentDemo };
}
