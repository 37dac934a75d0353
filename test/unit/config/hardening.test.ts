/**
 * Configuration that keeps token-central's own secrets in: the fleet's secret references pass the
 * policy before anything starts; platform URLs are https except on loopback; the codec server's
 * switches; what counts as a loopback Host; the data directory is private (0700).
 */
import { chmodSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../../config/config';
import { isLoopbackAddress, isLoopbackHostHeader } from '../../../config/loopback';
import { ensurePrivateDir } from '../../../config/private-dir';

const root = mkdtempSync(path.join(tmpdir(), 'tc-hardening-'));
function configFile(content: unknown): string {
  const file = path.join(mkdtempSync(path.join(root, 'config-')), 'config.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

describe('loadConfig: secret references', () => {
  const app = (secret: unknown) => ({ apps: [{ platform: 'wechat', appid: 'wx0123456789abcdef', secret }] });

  it("refuses token-central's own variables and names outside the pattern, naming the field", () => {
    const codecKeys = configFile(app({ env: 'TOKEN_CENTRAL_CODEC_KEYS' }));
    expect(() => loadConfig({ TOKEN_CENTRAL_CONFIG: codecKeys })).toThrow(
      /apps\.0\.secret: env TOKEN_CENTRAL_CODEC_KEYS is one of token-central's own variables/,
    );
    const components = configFile({
      components: [
        {
          platform: 'wechat',
          componentAppid: 'wxc00001',
          secret: { env: 'C_SECRET' },
          token: { env: 'TEMPORAL_API_KEY' },
          encodingAESKey: { file: '/etc/passwd' },
        },
      ],
    });
    expect(() => loadConfig({ TOKEN_CENTRAL_CONFIG: components, TOKEN_CENTRAL_SECRETS_DIR: root })).toThrow(
      /components\.0\.token: env TEMPORAL_API_KEY[\s\S]*components\.0\.encodingAESKey: file references must lie under/,
    );
    expect(() => loadConfig({ TOKEN_CENTRAL_CONFIG: configFile(app({ env: 'HOME' })) })).toThrow(/does not match/);
  });

  it('accepts allowed references, and a configured pattern or directory', () => {
    expect(loadConfig({ TOKEN_CENTRAL_CONFIG: configFile(app({ env: 'WX_MAIN_SECRET' })) }).apps).toHaveLength(1);
    const prefixed = { TOKEN_CENTRAL_SECRET_ENV_PATTERN: '^TC_SECRET_' };
    expect(() => loadConfig({ ...prefixed, TOKEN_CENTRAL_CONFIG: configFile(app({ env: 'WX_MAIN_SECRET' })) })).toThrow(
      /\^TC_SECRET_/,
    );
    const file = configFile(app({ file: 'wechat/app.secret' }));
    expect(() => loadConfig({ TOKEN_CENTRAL_CONFIG: file })).toThrow(/TOKEN_CENTRAL_SECRETS_DIR/);
    expect(loadConfig({ TOKEN_CENTRAL_CONFIG: file, TOKEN_CENTRAL_SECRETS_DIR: root }).apps).toHaveLength(1);
    expect(() => loadConfig({ TOKEN_CENTRAL_SECRET_ENV_PATTERN: '(' })).toThrow(ConfigError);
  });
});

describe('loadConfig: platform base URLs', () => {
  it('must be https, except on loopback', () => {
    for (const url of [
      'http://api.weixin.qq.com',
      'http://10.0.0.5:8090',
      'ftp://127.0.0.1',
      'http://127.0.0.1.nip.io',
    ]) {
      expect(() => loadConfig({ WECHAT_BASE_URL: url })).toThrow(/platforms\.wechat\.baseUrl: must be https/);
    }
    for (const url of ['http://127.0.0.1:8090', 'http://localhost:8090', 'http://[::1]:8090', 'http://127.3.4.5']) {
      expect(loadConfig({ DOUYIN_BASE_URL: url }).platforms.douyin.baseUrl).toBe(url);
    }
    expect(loadConfig({ BAIDU_BASE_URL: 'https://proxy.example' }).platforms.baidu.baseUrl).toBe(
      'https://proxy.example',
    );
  });
});

describe('loadConfig: codec server', () => {
  it('is neither enabled nor disabled by default; takes a flag and UI origins from the environment', () => {
    expect(loadConfig({}).codecServer.enabled).toBeUndefined();
    expect(loadConfig({ CODEC_SERVER_ENABLED: '1' }).codecServer.enabled).toBe(true);
    expect(loadConfig({ CODEC_SERVER_ENABLED: 'false' }).codecServer.enabled).toBe(false);
    expect(() => loadConfig({ CODEC_SERVER_ENABLED: 'yes' })).toThrow(/codecServer\.enabled/);
    const origins = 'https://ui.example, https://ui2.example';
    expect(loadConfig({ CODEC_SERVER_UI_ORIGINS: origins }).codecServer.uiOrigins).toEqual([
      'https://ui.example',
      'https://ui2.example',
    ]);
  });
});

describe('loopback', () => {
  it('addresses: localhost, 127.0.0.0/8, ::1', () => {
    for (const host of ['localhost', '127.0.0.1', '127.255.0.9', '::1', '[::1]'])
      expect(isLoopbackAddress(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'localhost.example', '127.0.0.1.nip.io']) {
      expect(isLoopbackAddress(host)).toBe(false);
    }
  });

  it('Host headers: a loopback name with the expected port', () => {
    expect(isLoopbackHostHeader('127.0.0.1:8080', 8080)).toBe(true);
    expect(isLoopbackHostHeader('LOCALHOST:8080', 8080)).toBe(true);
    expect(isLoopbackHostHeader('[::1]:8080', 8080)).toBe(true);
    expect(isLoopbackHostHeader('localhost', 80)).toBe(true);
    for (const host of ['localhost', 'localhost:8081', 'evil.example:8080', '127.0.0.2:8080', '', undefined]) {
      expect(isLoopbackHostHeader(host, 8080)).toBe(false);
    }
  });
});

describe('ensurePrivateDir', () => {
  it('creates the directory with mode 0700, and tightens an existing one', () => {
    const fresh = path.join(root, 'fresh', '.data');
    expect(ensurePrivateDir(fresh)).toBe(false);
    expect(statSync(fresh).mode & 0o777).toBe(0o700);

    const loose = path.join(root, 'loose');
    mkdirSync(loose);
    chmodSync(loose, 0o755);
    expect(ensurePrivateDir(loose)).toBe(true);
    expect(statSync(loose).mode & 0o777).toBe(0o700);
    expect(ensurePrivateDir(loose)).toBe(false);
  });
});
