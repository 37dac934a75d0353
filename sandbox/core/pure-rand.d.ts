// pure-rand 8 only exposes subpath exports, which tsconfig's classic "node" resolution cannot see.
// These declarations mirror the package's own .d.ts for the two entry points the sandbox uses.
declare module 'pure-rand/generator/xoroshiro128plus' {
  export interface RandomGenerator {
    clone(): RandomGenerator;
    next(): number;
    getState(): readonly number[];
  }
  export function xoroshiro128plus(seed: number): RandomGenerator;
}

declare module 'pure-rand/distribution/uniformInt' {
  import type { RandomGenerator } from 'pure-rand/generator/xoroshiro128plus';
  export function uniformInt(rng: RandomGenerator, from: number, to: number): number;
}
