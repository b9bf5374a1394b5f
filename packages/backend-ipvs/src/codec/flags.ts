import type { ServiceFlag } from '../client/types.js';
import { IP_VS_SVC_F } from '../uapi.js';

const BITS: ReadonlyArray<readonly [ServiceFlag, number]> = [
  ['persistent', IP_VS_SVC_F.PERSISTENT],
  ['one-packet', IP_VS_SVC_F.ONEPACKET],
  ['sched-1', IP_VS_SVC_F.SCHED1],
  ['sched-2', IP_VS_SVC_F.SCHED2],
  ['sched-3', IP_VS_SVC_F.SCHED3],
];

/** All service flags in canonical order. */
export const SERVICE_FLAGS: readonly ServiceFlag[] = BITS.map(([name]) => name);

/** Flags in canonical order without duplicates. */
export const normalizeFlags = (flags: readonly ServiceFlag[]): ServiceFlag[] =>
  SERVICE_FLAGS.filter((f) => flags.includes(f));

/** Encodes flags to IP_VS_SVC_F_* bits. */
export const encodeFlags = (flags: readonly ServiceFlag[]): number =>
  BITS.reduce((bits, [name, bit]) => (flags.includes(name) ? bits | bit : bits), 0);

/**
 * Decodes IP_VS_SVC_F_* bits. IP_VS_SVC_F_HASHED (kernel-internal, set on every
 * hashed service) and unknown bits are not reported.
 */
export const decodeFlags = (bits: number): ServiceFlag[] =>
  BITS.filter(([, bit]) => (bits & bit) !== 0).map(([name]) => name);

/** struct ip_vs_flags { u32 flags; u32 mask; } as the 8-byte attribute value. */
export function encodeFlagsStruct(flags: number, mask = 0xffffffff): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, flags >>> 0, true);
  view.setUint32(4, mask >>> 0, true);
  return out;
}

/** Reads struct ip_vs_flags; `undefined` when shorter than 8 bytes. */
export function decodeFlagsStruct(value: Uint8Array): { flags: number; mask: number } | undefined {
  if (value.length < 8) return undefined;
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  return { flags: view.getUint32(0, true), mask: view.getUint32(4, true) };
}
