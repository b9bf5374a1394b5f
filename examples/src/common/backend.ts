/**
 * Picks the kernel backend of an example program: nftables (any kernel with
 * nf_tables) or IPVS (needs the ip_vs modules; on this project's hosts only
 * inside `scripts/kernel-vm`).
 */

import { existsSync } from 'node:fs';
import { createIpvsBackend } from '@lbkit/backend-ipvs';
import { createNftablesBackend, type NftablesRenderOptions } from '@lbkit/backend-nftables';
import type { Backend, BackendError } from '@lbkit/core';
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import { wantsSnat, withIpvsSnat } from './ipvs-snat.js';

/** Which backend. */
export type BackendKind = 'nftables' | 'ipvs';

/**
 * Options the examples pass. On IPVS, `table` names the IPVS instance, and
 * `masquerade`/`snat` add an nftables SNAT companion (see `withIpvsSnat`);
 * the other nftables fields are ignored.
 */
export type ExampleBackendOptions = NftablesRenderOptions;

/** Creates the backend `kind`; fails with the backend's own error (e.g. `unavailable`). */
export function createBackend(
  kind: BackendKind,
  options: ExampleBackendOptions = {},
): ResultAsync<Backend, BackendError> {
  if (kind === 'nftables') {
    const backend = createNftablesBackend(options);
    return backend.isOk() ? okAsync(backend.value) : errAsync(backend.error);
  }
  return createIpvs(options);
}

function createIpvs(options: ExampleBackendOptions): ResultAsync<Backend, BackendError> {
  if (!existsSync('/proc/net/ip_vs')) {
    return errAsync({
      kind: 'unavailable',
      message:
        'this kernel has no IPVS (/proc/net/ip_vs is missing; modprobe ip_vs, or run inside scripts/kernel-vm)',
    });
  }
  // The IPVS backend keeps track of the services it owns per instance: one per example table.
  const ipvs = createIpvsBackend({ instance: options.table ?? 'default' });
  if (!wantsSnat(options)) return okAsync(ipvs);
  const snatted = withIpvsSnat(ipvs, options);
  return snatted.isOk() ? okAsync(snatted.value) : errAsync(snatted.error);
}
