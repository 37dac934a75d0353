/**
 * The one configuration (config/config.ts): defaults that run with nothing set, the conventional
 * Temporal variables, errors that name the bad field, apps and third-party components from the
 * config file with secrets only by reference (a literal secret is refused), and each platform's
 * default ticket validity (WeChat 12 h, Douyin and Baidu 3 h) unless configured.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { componentSettings } from '../../../client/credentials';
import { ConfigError, loadConfig } from '../../../config/config';

function configFile(content: unknown): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'tc-config-')), 'config.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

describe('loadConfig', () => {
  it('defaults to the embedded dev server and the real platform hosts', () => {
    const config = loadConfig({});
    expect(config.temporalConnection).toBeUndefined();
    expect(config.temporal).toMatchObject({ namespace: 'default', taskQueue: 'token-central', uiPort: 8233 });
    expect(config.platforms.wechat.baseUrl).toBe('https://api.weixin.qq.com');
    expect(config.platforms.douyin.baseUrl).toBe('https://open.douyin.com');
    expect(config.platforms.baidu.baseUrl).toBe('https://openapi.baidu.com');
    expect(config.gateway.port).toBe(8080);
  });

  it('connects to an external Temporal through the conventional variables', () => {
    const config = loadConfig({ TEMPORAL_ADDRESS: 'temporal.example:7233', TEMPORAL_NAMESPACE: 'prod' });
    expect(config.temporalConnection?.address).toBe('temporal.example:7233');
    expect(config.temporal.namespace).toBe('prod');
  });

  it('names the field of a bad value', () => {
    expect(() => loadConfig({ GATEWAY_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ GATEWAY_PORT: 'eighty' })).toThrow(/gateway\.port/);
    expect(() => loadConfig({ WECHAT_BASE_URL: 'not a url' })).toThrow(/platforms\.wechat\.baseUrl/);
  });

  it('reads apps from the file and refuses a literal secret', () => {
    const good = configFile({
      apps: [{ platform: 'wechat', appid: 'wx0123456789abcdef', secret: { env: 'WX_SECRET' } }],
    });
    expect(loadConfig({ TOKEN_CENTRAL_CONFIG: good }).apps).toEqual([
      { platform: 'wechat', appid: 'wx0123456789abcdef', mode: 'stable', secret: { env: 'WX_SECRET' } },
    ]);
    const literal = configFile({ apps: [{ platform: 'wechat', appid: 'wx0123456789abcdef', secret: 's3cr3t' }] });
    expect(() => loadConfig({ TOKEN_CENTRAL_CONFIG: literal })).toThrow(/apps\.0\.secret/);
  });

  it('reports an unreadable or malformed file', () => {
    expect(() => loadConfig({ TOKEN_CENTRAL_CONFIG: '/nonexistent/config.json' })).toThrow(/Cannot read config file/);
    const file = configFile('x');
    writeFileSync(file, '{ not json');
    expect(() => loadConfig({ TOKEN_CENTRAL_CONFIG: file })).toThrow(/not valid JSON/);
  });
});

it('config: Douyin and Baidu components (Baidu needs no secret); ticket validity defaults per platform, configurable', () => {
  const refs = { token: { env: 'C_TOKEN' }, encodingAESKey: { env: 'C_AES' } };
  const file = configFile({
    components: [
      { platform: 'wechat', componentAppid: 'wxc00001', secret: { env: 'C_SECRET' }, ...refs },
      { platform: 'douyin', componentAppid: 'tt000001', secret: { env: 'C_SECRET_2' }, ...refs },
      { platform: 'baidu', componentAppid: 'bdclient1', ...refs },
      { platform: 'baidu', componentAppid: 'bdclient2', ...refs, ticketValidityMs: 12 * 3600_000 },
    ],
  });
  const { components } = loadConfig({ TOKEN_CENTRAL_CONFIG: file });
  expect(components.map((c) => componentSettings(c).ticketValidityMs)).toEqual([
    12 * 3600_000,
    3 * 3600_000,
    3 * 3600_000,
    12 * 3600_000,
  ]);
  expect(componentSettings(components[2]!).secretRef).toBeUndefined();
  const withoutSecret = configFile({ components: [{ platform: 'douyin', componentAppid: 'tt000001', ...refs }] });
  expect(() => loadConfig({ TOKEN_CENTRAL_CONFIG: withoutSecret })).toThrow(/secret/);
});
