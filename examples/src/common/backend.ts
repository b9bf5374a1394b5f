/**
 * Picks the kernel backend of an example program: nftables (any kernel with
 * nf_tables) or IPVS (needs the ip_vs modules; on this project's hosts only
 * inside `scripts/kernel-vm`).
 */

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
  void options;
  return errAsync({ kind: 'unavailable', message: 'the IPVS backend is not wired yet' });
}
