import { InvalidParameterError } from "@noosphere/sdk";

// A hand-written PRNG (xoshiro128**, seeded through splitmix32) rather than Math.random or a
// library: data splits and training must be bit-identical on every machine and every release,
// and this uses only 32-bit integer operations (Math.imul, shifts), which JS defines exactly.

export type Rng = {
  /** The next uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number;
  /** A uniform double in [0, 1) with 53 random bits. */
  nextFloat(): number;
  /** A uniform integer in [0, n), n <= 2^32, without modulo bias. */
  nextInt(n: number): number;
};

/** A seeded xoshiro128** generator; any integer seed in [0, 2^32) is valid. */
export function createRng(seed: number): Rng {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new InvalidParameterError({
      field: "seed",
      expected: "an integer in [0, 2^32)",
      received: seed,
    });
  }
  // splitmix32 spreads the seed over 128 bits of state, so nearby seeds give unrelated streams.
  let sm = seed >>> 0;
  const splitmix = (): number => {
    sm = (sm + 0x9e3779b9) >>> 0;
    let z = sm;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let s0 = splitmix();
  let s1 = splitmix();
  let s2 = splitmix();
  let s3 = splitmix();

  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };

  return {
    nextUint32,
    nextFloat() {
      const hi = nextUint32() >>> 5; // 27 bits
      const lo = nextUint32() >>> 6; // 26 bits
      return (hi * 67108864 + lo) / 9007199254740992;
    },
    nextInt(n) {
      if (!Number.isInteger(n) || n <= 0 || n > 0x100000000) {
        throw new InvalidParameterError({
          field: "n",
          expected: "an integer in [1, 2^32]",
          received: n,
        });
      }
      // Rejection sampling: drop the top partial range so every value is equally likely.
      const limit = 0x100000000 - (0x100000000 % n);
      for (;;) {
        const x = nextUint32();
        if (x < limit) return x % n;
      }
    },
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Fisher-Yates shuffle of `items` in place, driven by `rng`. */
export function shuffleInPlace<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const a = items[i] as T;
    items[i] = items[j] as T;
    items[j] = a;
  }
  return items;
}
