import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus, type RandomGenerator } from 'pure-rand/generator/xoroshiro128plus';

export const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Alphabet of real WeChat tokens: base64url-ish. */
export const TOKEN_CHARS = `${ALNUM}_-`;
const HEX = '0123456789abcdef';

/**
 * Every token, code, nonce and id the sandbox hands out comes from here, so a seed replays a run.
 */
export class SeededRng {
  private gen: RandomGenerator;

  constructor(readonly seed: number) {
    this.gen = xoroshiro128plus(seed);
  }

  int(from: number, to: number): number {
    return uniformInt(this.gen, from, to);
  }

  string(length: number, alphabet: string = ALNUM): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.int(0, alphabet.length - 1)];
    return out;
  }

  hex(length: number): string {
    return this.string(length, HEX);
  }

  digits(length: number): string {
    return this.string(length, '0123456789');
  }
}

export function randomSeed(): number {
  return Math.floor(Math.random() * 0x7fffffff);
}
