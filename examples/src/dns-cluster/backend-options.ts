/**
 * What dns-cluster's `--level` means for the backend: level 2 SNATs balanced
 * traffic (masquerade on one balancer, the inner VIP on a pair), levels 1 and
 * 3 keep the client address. On IPVS the SNAT is an nftables companion table
 * of the same name (see common/ipvs-snat.ts).
 */
import type { NftablesRenderOptions } from '@lbkit/backend-nftables';

/** The backend options of `level` on table (or IPVS instance) `table`; `snat` on a pair. */
export function levelBackendOptions(
  level: '1' | '2' | '3',
  table: string,
  snat?: NftablesRenderOptions['snat'],
): NftablesRenderOptions {
  return { table, ...(snat ? { snat } : { masquerade: level === '2' }) };
}
