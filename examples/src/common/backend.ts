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

/** Which backend. */
export type BackendKind = 'nftables' | 'ipvs';

/** Options the examples pass; nftables-only fields are ignored by IPVS. */
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
  return okAsync(createIpvsBackend({ instance: options.table ?? 'default' }));
}
