import {
  createNftablesBackend,
  type NftablesBackend,
  type NftablesBackendOptions,
} from '@lbkit/backend-nftables';
import type { BackendError } from '@lbkit/core';
import type { Result } from 'neverthrow';

/** The nftables backend of `nft-lb` (libnftables, else the `nft` CLI). */
export function createNftBackend(
  options: NftablesBackendOptions,
): Result<NftablesBackend, BackendError> {
  return createNftablesBackend(options);
}
