/**
 * Secret references (config/secrets.ts): environment names must match the pattern and never name
 * token-central's own variables; files must lie under the secrets directory, also after following
 * symlinks; every refusal of a file reads the same, whether or not the file exists.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DEFAULT_SECRET_ENV_PATTERN,
  resolveSecret,
  secretPolicyFromEnv,
  secretRefProblem,
  SecretUnavailable,
  type SecretPolicy,
} from '../../../config/secrets';

const root = mkdtempSync(path.join(tmpdir(), 'tc-secrets-'));
const dir = path.join(root, 'secrets');
const outside = path.join(root, 'outside.txt');
beforeAll(() => {
  mkdirSync(path.join(dir, 'wechat'), { recursive: true });
  writeFileSync(path.join(dir, 'wechat', 'app.secret'), 'the-app-secret\n');
  writeFileSync(path.join(dir, 'empty.secret'), '  \n');
  writeFileSync(outside, 'not-for-apps');
  symlinkSync(outside, path.join(dir, 'escape.secret'));
  symlinkSync(root, path.join(dir, 'parent'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const policy: SecretPolicy = secretPolicyFromEnv({ TOKEN_CENTRAL_SECRETS_DIR: dir });

describe('secretRefProblem (lexical, at registration and config load)', () => {
  it('allows env names with a secret word by default', () => {
    for (const env of ['WX_MAIN_SECRET', 'WXC_TOKEN_2', 'DY_AES', 'FUZZ_AES_KEY', 'DEMO_WECHAT_SECRET_1', 'SECRET']) {
      expect(secretRefProblem({ env }, policy)).toBeUndefined();
    }
  });

  it('refuses env names outside the pattern', () => {
    for (const env of ['PATH', 'HOME', 'DATABASE_URL', 'WX_SECRETS', 'wx_secret', 'MYSECRET']) {
      expect(secretRefProblem({ env }, policy)).toMatch(/does not match the allowed secret names/);
    }
  });

  it("never allows token-central's own variables, whatever the pattern", () => {
    const anything = secretPolicyFromEnv({ TOKEN_CENTRAL_SECRET_ENV_PATTERN: '.*' });
    for (const env of [
      'TOKEN_CENTRAL_CODEC_KEYS',
      'TOKEN_CENTRAL_CODEC_KEYS_FILE',
      'TEMPORAL_API_KEY',
      'TEMPORAL_TLS_CLIENT_KEY_DATA',
      'CODEC_SERVER_TOKEN',
      'temporal_api_key',
    ]) {
      expect(secretRefProblem({ env }, anything)).toMatch(/token-central's own variables/);
      expect(secretRefProblem({ env }, policy)).toMatch(/token-central's own variables/);
    }
    expect(secretRefProblem({ env: 'ANYTHING' }, anything)).toBeUndefined();
  });

  it('uses a configured pattern, and refuses an invalid one', () => {
    const prefixed = secretPolicyFromEnv({ TOKEN_CENTRAL_SECRET_ENV_PATTERN: '^TC_SECRET_[A-Z0-9_]+$' });
    expect(secretRefProblem({ env: 'TC_SECRET_WX1' }, prefixed)).toBeUndefined();
    expect(secretRefProblem({ env: 'WX_MAIN_SECRET' }, prefixed)).toMatch(/\^TC_SECRET_/);
    expect(() => secretPolicyFromEnv({ TOKEN_CENTRAL_SECRET_ENV_PATTERN: '(' })).toThrow(/not a valid regular/);
    expect(secretPolicyFromEnv({}).envPattern.source).toBe(DEFAULT_SECRET_ENV_PATTERN);
  });

  it('refuses file references without a secrets directory, with "..", or outside it', () => {
    expect(secretRefProblem({ file: 'wechat/app.secret' }, secretPolicyFromEnv({}))).toMatch(
      /need a secrets directory/,
    );
    expect(secretRefProblem({ file: 'wechat/app.secret' }, policy)).toBeUndefined();
    expect(secretRefProblem({ file: path.join(dir, 'wechat/app.secret') }, policy)).toBeUndefined();
    for (const file of ['../outside.txt', 'wechat/../../outside.txt', `${dir}/../outside.txt`]) {
      expect(secretRefProblem({ file }, policy)).toMatch(/must not contain "\.\."/);
    }
    for (const file of ['/etc/passwd', outside, `${dir}-sibling/x`]) {
      expect(secretRefProblem({ file }, policy)).toMatch(/must lie under TOKEN_CENTRAL_SECRETS_DIR/);
    }
  });
});

describe('resolveSecret', () => {
  it('resolves an allowed env reference and a file under the directory', async () => {
    expect(await resolveSecret({ env: 'WX_MAIN_SECRET' }, { WX_MAIN_SECRET: ' s3cret ' }, policy)).toBe('s3cret');
    expect(await resolveSecret({ file: 'wechat/app.secret' }, {}, policy)).toBe('the-app-secret');
  });

  it('refuses a reserved or unmatched name at resolution too (references stored before the policy)', async () => {
    const env = { TOKEN_CENTRAL_CODEC_KEYS: 'k1=AAAA', PATH: '/bin' };
    for (const name of Object.keys(env)) {
      const error = await resolveSecret({ env: name }, env, policy).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(SecretUnavailable);
      expect((error as Error).message).toMatch(/refused/);
      expect((error as Error).message).not.toContain('AAAA');
    }
  });

  it('follows no symlink out of the directory, and says the same whether a file exists or not', async () => {
    const messages = [];
    for (const file of ['escape.secret', 'parent/outside.txt', 'missing.secret', 'empty.secret', 'wechat']) {
      const error = await resolveSecret({ file }, {}, policy).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(SecretUnavailable);
      expect((error as Error).message).not.toContain('not-for-apps');
      messages.push((error as Error).message.replace(file, '<file>'));
    }
    expect(new Set(messages).size).toBe(1);
    expect(messages[0]).toBe('secret file <file> is not a readable file under TOKEN_CENTRAL_SECRETS_DIR');
  });
});
