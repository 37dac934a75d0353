/**
 * The demo platform for `npm start` when no platform credentials are configured: the sandbox
 * with a few WeChat apps whose tokens live about a minute, so the Web UI shows lifecycles at once,
 * plus a WeChat, a Douyin and a Baidu third-party platform with a few authorizers each.
 */
import { startSandbox, type SandboxHandle } from '../sandbox';
import { componentSchema, type ComponentConfig, type WechatAppConfig } from '../config/config';

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

/** A demo third-party platform: how the sandbox creates it, and the env var names its secrets go under. */
interface DemoComponent {
  platform: ComponentConfig['platform'];
  componentAppid: string;
  envPrefix: string;
  /** Ticket pushes start later, once the gateway listens (`startComponentDemo`). */
  create(callbackUrl: string): Promise<DemoComponentSecrets>;
}

interface DemoComponentSecrets {
  /** Absent on Baidu, whose TP token needs only client_id and ticket. */
  secret?: string;
  token: string;
  encodingAESKey: string;
}

function demoComponents(sandbox: SandboxHandle): DemoComponent[] {
  return [
    {
      platform: 'wechat',
      componentAppid: DEMO_COMPONENT_APPID,
      envPrefix: 'DEMO_COMPONENT',
      create: (callbackUrl) =>
        sandbox.control.createWechatComponent({ componentAppid: DEMO_COMPONENT_APPID, callbackUrl }),
    },
    {
      platform: 'douyin',
      componentAppid: DEMO_DOUYIN_TPAPP,
      envPrefix: 'DEMO_DOUYIN',
      create: async (callbackUrl) => {
        const tpApp = await sandbox.control.createDouyinTpApp({
          componentAppid: DEMO_DOUYIN_TPAPP,
          callbackUrl,
          startTickets: false,
        });
        return { ...tpApp, secret: tpApp.componentSecret };
      },
    },
    {
      platform: 'baidu',
      componentAppid: DEMO_BAIDU_CLIENT_ID,
      envPrefix: 'DEMO_BAIDU',
      create: (callbackUrl) =>
        sandbox.control.createBaiduTpApp({ clientId: DEMO_BAIDU_CLIENT_ID, callbackUrl, startTickets: false }),
    },
  ];
}

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
  for (const demo of demoComponents(sandbox)) {
    const created = await demo.create(`${options.gatewayUrl}/v1/push/${demo.platform}/${demo.componentAppid}`);
    // Each secret goes to the worker by env var name, the way configured ones do.
    const ref = (name: string, value: string) => {
      const env = `${demo.envPrefix}_${name}`;
      secrets[env] = value;
      return { env };
    };
    // The same schema as configured components: a table entry the worker could not use fails here.
    components.push(
      componentSchema.parse({
        platform: demo.platform,
        componentAppid: demo.componentAppid,
        ...(created.secret !== undefined ? { secret: ref('SECRET', created.secret) } : {}),
        token: ref('TOKEN', created.token),
        encodingAESKey: ref('AES_KEY', created.encodingAESKey),
      }),
    );
  }
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
