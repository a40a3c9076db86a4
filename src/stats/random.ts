// A seeded random source — for the detection benchmark, the demo's traffic and test data:
// xoshiro128** seeded through splitmix32, and the distributions they need (uniform, normal, gamma,
// Poisson). Each benchmark run has its own seed derived from (benchmark seed, scenario, replicate),
// so results do not depend on the order in which runs execute.

import { logGamma } from './e-values-math.js';

export interface Random {
  uniform(): number;
  normal(): number;
  /** Gamma with the given shape and mean 1 (so its coefficient of variation is 1/√shape). */
  gammaMeanOne(shape: number): number;
  poisson(mean: number): number;
}

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** A well-mixed 32-bit seed from several integers (benchmark seed, scenario index, replicate). */
export function deriveSeed(...parts: number[]): number {
  let hash = 0x811c9dc5;
  for (const part of parts) {
    const mix = splitmix32((hash ^ (part >>> 0)) >>> 0);
    hash = mix();
  }
  return hash;
}

export function createRandom(seed: number): Random {
  const init = splitmix32(seed);
  let s0 = init();
  let s1 = init();
  let s2 = init();
  let s3 = init();
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;

  const nextUint = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };
  // 53 random bits in [0, 1).
  const uniform = (): number => ((nextUint() >>> 5) * 67108864 + (nextUint() >>> 6)) / 9007199254740992;

  let spare: number | null = null;
  const normal = (): number => {
    if (spare !== null) {
      const value = spare;
      spare = null;
      return value;
    }
    let u = 0;
    while (u === 0) u = uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };

  // Marsaglia & Tsang (2000); shapes below 1 by the boost Gamma(a) = Gamma(a + 1)·U^(1/a).
  const gamma = (shape: number): number => {
    if (shape < 1) return gamma(shape + 1) * uniform() ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = uniform();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  };

  // Multiplication method for small means; PTRS (Hörmann 1993, as in NumPy) for large ones.
  const poisson = (mean: number): number => {
    if (!(mean > 0)) return 0;
    if (mean < 10) {
      const limit = Math.exp(-mean);
      let count = 0;
      let product = uniform();
      while (product > limit) {
        count++;
        product *= uniform();
      }
      return count;
    }
    const sqrtMean = Math.sqrt(mean);
    const logMean = Math.log(mean);
    const b = 0.931 + 2.53 * sqrtMean;
    const a = -0.059 + 0.02483 * b;
    const inverseAlpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const u = uniform() - 0.5;
      const v = uniform();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + mean + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (Math.log(v) + Math.log(inverseAlpha) - Math.log(a / (us * us) + b) <= -mean + k * logMean - logGamma(k + 1)) return k;
    }
  };

  return { uniform, normal, gammaMeanOne: (shape) => gamma(shape) / shape, poisson };
}

function rotl(value: number, shift: number): number {
  return ((value << shift) | (value >>> (32 - shift))) >>> 0;
}
