/**
 * A persistence service read back from a decoded dump (see
 * `render/affinity.ts` for the layout): its scheduler is the `pick` rule of
 * its chain (`<selector> vmap @pick_<service>`), each pick element `goto`s a
 * destination chain whose dnat rule holds the destination as immediates;
 * the sticky rules and the affinity sets' (kernel-made) elements say
 * nothing about the configuration and are not read. Pure.
 * @module
 */
import { formatIpv4, formatIpv6 } from '@lbkit/core';
import { decodeAttributes, readBe32 } from '@lbkit/netlink';
import type { DecodedChain, DecodedElement, DecodedExpr, DecodedTable } from './nft-dump-decode.js';
import { HOST_LITTLE_ENDIAN, NFT, NFT_VALUE, NFTA } from './uapi.js';

/** One destination chosen by a pick, with its slot count and first slot. */
export interface PickedDestination {
  readonly address: string;
  readonly port: number;
  /** The destination as `addr . port` bytes, like a slot map value (flow counter lookup). */
  readonly raw: Uint8Array;
  n: number;
  first: number;
}

/** The pick of a service chain, or `undefined` when it has none (no persistence). */
export interface PickReading {
  readonly scheduler: string;
  readonly destinations: PickedDestination[];
  readonly counter?: DecodedElement['counter'];
}

/** The value bytes an `immediate` loads into `reg`, if `e` is one. */
function immediateValue(e: DecodedExpr, reg: number): Uint8Array | undefined {
  if (e.name !== 'immediate') return undefined;
  const dreg = e.attrs.get(NFTA.IMMEDIATE_DREG);
  const data = e.attrs.get(NFTA.IMMEDIATE_DATA);
  if (!dreg || !data || readBe32(dreg) !== reg) return undefined;
  const inner = decodeAttributes(data.value);
  if (inner.isErr()) return undefined;
  return inner.value.find((a) => a.type === NFT.DATA_VALUE)?.value;
}

/** The fixed destination of a destination chain (`dnat <ip> to <address>:<port>`). */
function fixedDnat(chain: DecodedChain | undefined, family: 4 | 6) {
  for (const rule of chain?.rules ?? []) {
    if (!rule.some((e) => e.name === 'nat')) continue;
    const addr = rule.map((e) => immediateValue(e, 1)).find((v) => v !== undefined);
    const port = rule.map((e) => immediateValue(e, 2)).find((v) => v !== undefined);
    const width = family === 4 ? 4 : 16;
    if (addr?.length !== width || port === undefined || port.length < 2) continue;
    const raw = new Uint8Array(width + 4);
    raw.set(addr, 0);
    raw.set(port.subarray(0, 2), width);
    return {
      address: family === 4 ? formatIpv4(addr) : formatIpv6(addr),
      port: (port[0]! << 8) | port[1]!,
      raw,
    };
  }
  return undefined;
}

const counterOf = (e: DecodedExpr): DecodedElement['counter'] => {
  const u64 = (type: number): number => {
    const a = e.attrs.get(type);
    return a && a.value.length >= 8
      ? Number(new DataView(a.value.buffer, a.value.byteOffset, 8).getBigUint64(0, false))
      : 0;
  };
  return { packets: u64(NFTA.COUNTER_PACKETS), bytes: u64(NFTA.COUNTER_BYTES) };
};

/** Reads the pick of `chain` (a service chain) in `decoded`. */
export function readPickOf(
  decoded: DecodedTable,
  chain: DecodedChain | undefined,
  family: 4 | 6,
): PickReading | undefined {
  let counter: DecodedElement['counter'];
  for (const rule of chain?.rules ?? []) {
    if (rule.length === 1 && rule[0]!.name === 'counter') counter = counterOf(rule[0]!);
    const lookup = rule.find((e) => e.name === 'lookup');
    const dreg = lookup?.attrs.get(NFTA.LOOKUP_DREG);
    const set = lookup?.attrs.get(NFTA.LOOKUP_SET);
    const ng = rule.find((e) => e.name === 'numgen');
    const hash = rule.find((e) => e.name === 'hash');
    const mod = ng?.attrs.get(NFTA.NG_MODULUS) ?? hash?.attrs.get(NFTA.HASH_MODULUS);
    if (!set || !dreg || readBe32(dreg) !== NFT_VALUE.REG_VERDICT || !mod) continue;
    const modulus = readBe32(mod) ?? 0;
    const type = ng ? readBe32(ng.attrs.get(NFTA.NG_TYPE) ?? mod) : undefined;
    const scheduler = hash
      ? 'jhash'
      : type === NFT_VALUE.NG_RANDOM
        ? 'numgen random'
        : 'numgen inc';
    const name = Buffer.from(set.value).toString('latin1').replace(/\0.*$/s, '');
    const byChain = new Map<string, PickedDestination | undefined>();
    const byDest = new Map<string, PickedDestination>();
    for (const e of decoded.sets.get(name)?.elements ?? []) {
      if (e.key.length !== 4 || e.verdict?.chain === undefined) continue;
      const slot = new DataView(e.key.buffer, e.key.byteOffset, 4).getUint32(0, HOST_LITTLE_ENDIAN);
      if (slot >= modulus) continue;
      const target = e.verdict.chain;
      if (!byChain.has(target)) {
        const d = fixedDnat(decoded.chains.get(target), family);
        byChain.set(target, d && { ...d, n: 0, first: slot });
      }
      const d = byChain.get(target);
      if (!d) continue;
      const id = `${d.address}|${d.port}`;
      const entry = byDest.get(id) ?? d;
      entry.n++;
      entry.first = Math.min(entry.first, slot);
      byDest.set(id, entry);
    }
    return { scheduler, destinations: [...byDest.values()], ...(counter ? { counter } : {}) };
  }
  return undefined;
}
