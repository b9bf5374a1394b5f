import { parseAddress } from '@lbkit/core';
import { describe, expect, it } from 'vitest';
import { jhash, nftJhashSlot, reciprocalScale } from './jhash.js';

// Observed on Linux 6.x: `counter name jhash ip saddr mod 7 seed 0x4c424b54 map {...}`
// on pings from each source (see README); these vectors pin our jhash to the kernel's.
const KERNEL: readonly [string, number][] = [
  ['198.51.100.1', 3],
  ['198.51.100.2', 0],
  ['198.51.100.3', 3],
  ['198.51.100.4', 0],
  ['198.51.100.5', 1],
  ['198.51.100.6', 3],
  ['198.51.100.7', 1],
  ['198.51.100.8', 2],
  ['2001:db8::5', 5],
  ['2001:db8::77:1', 1],
];

describe('jhash', () => {
  it('selects the same slot as the kernel for IPv4 and IPv6 sources', () => {
    for (const [addr, slot] of KERNEL) {
      expect(nftJhashSlot(parseAddress(addr)!.bytes, 7, 0x4c424b54), addr).toBe(slot);
    }
  });
  it('is deterministic, seed-dependent and in range', () => {
    const b = parseAddress('192.0.2.1')!.bytes;
    expect(jhash(b, 1)).toBe(jhash(b, 1));
    expect(jhash(b, 1)).not.toBe(jhash(b, 2));
    expect(reciprocalScale(0xffffffff, 251)).toBe(250);
    expect(reciprocalScale(0, 251)).toBe(0);
    expect(jhash(new Uint8Array(0), 0)).toBe(0xdeadbeef);
  });
});
