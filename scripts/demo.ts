/**
 * The demo platform for `npm start` when no platform credentials are configured: the sandbox
 * with a few WeChat apps whose tokens live about a minute, so the Web UI shows lifecycles at once.
 */
import { startSandbox, type SandboxHandle } from '../sandbox';
import type { WechatAppConfig } from '../worker/config';

export interface Demo {
  sandbox: SandboxHandle;
  apps: WechatAppConfig[];
  /** Secrets of the demo apps, by env var name (the worker resolves them like real ones). */
  secrets: Record<string, string>;
}

export async function startDemo(options: { port: number; timeScale: number }): Promise<Demo> {
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
  return { sandbox, apps, secrets };
}
