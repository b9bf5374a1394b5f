import {
  type AttrSpec,
  attrBytes,
  attrNest,
  attrU32,
  attrU64,
  decodeAttributes,
  indexAttributes,
  type NetlinkError,
  readU32,
  readU64,
} from '@lbkit/netlink';
import { err, ok, type Result } from 'neverthrow';
import type { IpvsStats } from '../client/types.js';
import { IPVS_STATS_ATTR } from '../uapi.js';

const FIELDS: ReadonlyArray<readonly [keyof IpvsStats, number]> = [
  ['connections', IPVS_STATS_ATTR.CONNS],
  ['packetsIn', IPVS_STATS_ATTR.INPKTS],
  ['packetsOut', IPVS_STATS_ATTR.OUTPKTS],
  ['bytesIn', IPVS_STATS_ATTR.INBYTES],
  ['bytesOut', IPVS_STATS_ATTR.OUTBYTES],
  ['cps', IPVS_STATS_ATTR.CPS],
  ['ppsIn', IPVS_STATS_ATTR.INPPS],
  ['ppsOut', IPVS_STATS_ATTR.OUTPPS],
  ['bpsIn', IPVS_STATS_ATTR.INBPS],
  ['bpsOut', IPVS_STATS_ATTR.OUTBPS],
];

/** All-zero counters. */
export const ZERO_STATS: IpvsStats = Object.fromEntries(
  FIELDS.map(([name]) => [name, 0n]),
) as unknown as IpvsStats;

/** Encodes counters as the kernel does in *_ATTR_STATS64: every field u64. */
export const encodeStats64 = (type: number, stats: IpvsStats): AttrSpec =>
  attrNest(
    type,
    FIELDS.map(([name, attr]) => attrU64(attr, stats[name])),
  );

/**
 * Encodes counters as in the legacy *_ATTR_STATS: u32 fields except the byte
 * counters (u64). Values are truncated to their wire width.
 */
export const encodeStats32 = (type: number, stats: IpvsStats): AttrSpec =>
  attrNest(
    type,
    FIELDS.map(([name, attr]) =>
      attr === IPVS_STATS_ATTR.INBYTES || attr === IPVS_STATS_ATTR.OUTBYTES
        ? attrU64(attr, stats[name])
        : attrU32(attr, Number(BigInt.asUintN(32, stats[name]))),
    ),
  );

/**
 * The tail of a dump entry (service or destination): STATS and STATS64 when
 * `stats` is known, then the unknown attributes kept from a decode, in order.
 */
export function entryTail(
  types: { readonly stats: number; readonly stats64: number },
  stats: IpvsStats | undefined,
  unknown: readonly { readonly type: number; readonly value: Uint8Array }[] | undefined,
): AttrSpec[] {
  const tail: AttrSpec[] = [];
  if (stats) tail.push(encodeStats32(types.stats, stats), encodeStats64(types.stats64, stats));
  for (const u of unknown ?? []) tail.push(attrBytes(u.type, u.value));
  return tail;
}

/** Decodes a nested stats attribute (either width per field; 8 bytes read as u64). */
export function decodeStats(value: Uint8Array): Result<IpvsStats, NetlinkError> {
  const attrs = decodeAttributes(value);
  if (attrs.isErr()) return err(attrs.error);
  const byType = indexAttributes(attrs.value);
  const out: Record<string, bigint> = {};
  for (const [name, attr] of FIELDS) {
    const a = byType.get(attr);
    if (!a) out[name] = 0n;
    else if (a.value.length >= 8) out[name] = readU64(a) ?? 0n;
    else out[name] = BigInt(readU32(a) ?? 0);
  }
  return ok(out as unknown as IpvsStats);
}
