/**
 * Picks the kernel backend of an example program: nftables (any kernel with
 * nf_tables) or IPVS (needs the ip_vs modules; on this project's hosts only
 * inside `scripts/kernel-vm`).
 */

import { existsSync } from 'node:fs';
import { createIpvsBackend } from '@lbkit/backend-ipvs';
import { createNftablesBackend, type NftablesRenderOptions } from '@lbkit/backend-nftables';
import { type Backend, type BackendError, backendError } from '@lbkit/core';
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import { wantsSnat, withIpvsSnat } from './ipvs-snat.js';

/** Which backend. */
export type BackendKind = 'nftables' | 'ipvs';

/**
 * Options the examples pass. On IPVS, `table` names the IPVS instance, and
 * `masquerade`/`snat` add an nftables SNAT companion (see `withIpvsSnat`);
 * the other nftables fields are ignored.
 */
export interface ExampleBackendOptions extends NftablesRenderOptions {
  /**
   * IPVS only: hold every VIP on this dummy interface, created and owned by
   * the backend (kube-proxy's `kube-ipvs0`), so a VIP merely routed to the
   * balancer is local and IPVS sees its packets. Default: none.
   */
  readonly holdVips?: string;
}

/** Why `holdVips` cannot go with backend `kind`, or `undefined` (only IPVS needs the VIPs local). */
export function holdVipsProblem(
  kind: BackendKind,
  holdVips: string | undefined,
): string | undefined {
  if (kind === 'ipvs' || holdVips === undefined) return undefined;
  return 'holding VIPs on an interface (--hold-vips) is for IPVS (nftables DNATs a VIP that is only routed here)';
}

/** Creates the backend `kind`; fails with the backend's own error (e.g. `unavailable`). */
export function createBackend(
  kind: BackendKind,
  options: ExampleBackendOptions = {},
): ResultAsync<Backend, BackendError> {
  const { holdVips, ...nftables } = options;
  const holdProblem = holdVipsProblem(kind, holdVips);
  if (holdProblem !== undefined) return errAsync(backendError('rejected', holdProblem));
  if (kind === 'nftables') {
    const backend = createNftablesBackend(nftables);
    return backend.isOk() ? okAsync(backend.value) : errAsync(backend.error);
  }
  return createIpvs(nftables, holdVips);
}

function createIpvs(
  options: NftablesRenderOptions,
  holdVips: string | undefined,
): ResultAsync<Backend, BackendError> {
  if (!existsSync('/proc/net/ip_vs')) {
    return errAsync({
      kind: 'unavailable',
      message:
        'this kernel has no IPVS (/proc/net/ip_vs is missing; modprobe ip_vs, or run inside scripts/kernel-vm)',
    });
  }
  // The IPVS backend keeps track of the services it owns per instance: one per example table.
  const ipvs = createIpvsBackend({
    instance: options.table ?? 'default',
    ...(holdVips !== undefined && { holdVips: { interface: holdVips } }),
  });
  if (!wantsSnat(options)) return okAsync(ipvs);
  const snatted = withIpvsSnat(ipvs, options);
  return snatted.isOk() ? okAsync(snatted.value) : errAsync(snatted.error);
}
