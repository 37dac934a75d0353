/**
 * The data directory (`.data/`) holds the generated codec key and the dev server's database:
 * every token. It is created readable by its owner only, and tightened if it already exists.
 */
import { chmodSync, mkdirSync, statSync } from 'node:fs';

export const PRIVATE_DIR_MODE = 0o700;

/** Creates `dir` with mode 0700, or removes group/other access from an existing one; true if it tightened. */
export function ensurePrivateDir(dir: string): boolean {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const stat = statSync(dir);
  if (!stat.isDirectory()) throw new Error(`${dir} is not a directory`);
  if ((stat.mode & 0o077) === 0) return false;
  chmodSync(dir, PRIVATE_DIR_MODE);
  return true;
}
