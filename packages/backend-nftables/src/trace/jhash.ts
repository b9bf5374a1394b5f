/**
 * The kernel's `jhash()` (include/linux/jhash.h, Bob Jenkins' lookup3) and the
 * way nft's `jhash <expr> mod N seed S` uses it (net/netfilter/nft_hash.c:
 * `reciprocal_scale(jhash(data, len, seed), N) + offset`), so the tracer can
 * tell which slot a source address selects. Whole 12-byte blocks are read as
 * CPU-endian words: this matches little-endian hosts (x86-64, arm64); the tail
 * is byte-wise and endian-independent (all of IPv4).
 * @module
 */

const JHASH_INITVAL = 0xdeadbeef;
const rol32 = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

/** `jhash(key, length, initval)` over `bytes`. */
export function jhash(bytes: Uint8Array, initval: number): number {
  let length = bytes.length;
  let a = (JHASH_INITVAL + length + initval) >>> 0;
  let b = a;
  let c = a;
  let k = 0;
  const le32 = (i: number): number =>
    (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
  while (length > 12) {
    a = (a + le32(k)) >>> 0;
    b = (b + le32(k + 4)) >>> 0;
    c = (c + le32(k + 8)) >>> 0;
    // __jhash_mix
    a = (a - c) >>> 0;
    a = (a ^ rol32(c, 4)) >>> 0;
    c = (c + b) >>> 0;
    b = (b - a) >>> 0;
    b = (b ^ rol32(a, 6)) >>> 0;
    a = (a + c) >>> 0;
    c = (c - b) >>> 0;
    c = (c ^ rol32(b, 8)) >>> 0;
    b = (b + a) >>> 0;
    a = (a - c) >>> 0;
    a = (a ^ rol32(c, 16)) >>> 0;
    c = (c + b) >>> 0;
    b = (b - a) >>> 0;
    b = (b ^ rol32(a, 19)) >>> 0;
    a = (a + c) >>> 0;
    c = (c - b) >>> 0;
    c = (c ^ rol32(b, 4)) >>> 0;
    b = (b + a) >>> 0;
    length -= 12;
    k += 12;
  }
  if (length === 0) return c;
  const tail = (i: number): number => bytes[k + i] ?? 0;
  const word = (i: number, n: number): number => {
    let w = 0;
    for (let j = 0; j < n; j++) w += tail(i + j) * 2 ** (8 * j);
    return w >>> 0;
  };
  a = (a + word(0, Math.min(length, 4))) >>> 0;
  if (length > 4) b = (b + word(4, Math.min(length - 4, 4))) >>> 0;
  if (length > 8) c = (c + word(8, length - 8)) >>> 0;
  // __jhash_final
  c = (c ^ b) >>> 0;
  c = (c - rol32(b, 14)) >>> 0;
  a = (a ^ c) >>> 0;
  a = (a - rol32(c, 11)) >>> 0;
  b = (b ^ a) >>> 0;
  b = (b - rol32(a, 25)) >>> 0;
  c = (c ^ b) >>> 0;
  c = (c - rol32(b, 16)) >>> 0;
  a = (a ^ c) >>> 0;
  a = (a - rol32(c, 4)) >>> 0;
  b = (b ^ a) >>> 0;
  b = (b - rol32(a, 14)) >>> 0;
  c = (c ^ b) >>> 0;
  c = (c - rol32(b, 24)) >>> 0;
  return c;
}

/** The kernel's `reciprocal_scale(val, n)`: `(val * n) >> 32`, in [0, n). */
export const reciprocalScale = (value: number, n: number): number =>
  Number((BigInt(value >>> 0) * BigInt(n)) >> 32n);

/** The slot nft `jhash <bytes> mod <modulus> seed <seed>` selects (offset 0). */
export const nftJhashSlot = (bytes: Uint8Array, modulus: number, seed: number): number =>
  reciprocalScale(jhash(bytes, seed), modulus);
