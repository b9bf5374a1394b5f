import { type BackendError, backendError } from '@lbkit/core';
import { err, ok, type Result } from 'neverthrow';
import { createLibnftablesTransport, type LibnftablesTransportOptions } from './libnftables.js';
import { createNftCliTransport, type NftCliTransportOptions } from './nft-cli.js';
import type { NftTransport } from './transport.js';

/** Options for `detectTransport`: those of both transports, plus a preference. */
export interface DetectTransportOptions
  extends LibnftablesTransportOptions,
    Omit<NftCliTransportOptions, 'netns'> {
  /**
   * Which transport to try: `auto` (default) tries libnftables first and falls
   * back to the `nft` CLI; the others use only that one.
   */
  readonly prefer?: 'auto' | 'libnftables' | 'nft-cli';
}

/**
 * Picks a transport: libnftables through FFI by default, the `nft` CLI when the
 * library cannot be loaded. Fails with `unavailable` naming both reasons when
 * neither works (install `libnftables1` or `nftables`). The chosen transport's
 * `name` says which one is in use.
 */
export function detectTransport(
  options: DetectTransportOptions = {},
): Result<NftTransport, BackendError> {
  const prefer = options.prefer ?? 'auto';
  const reasons: string[] = [];
  if (prefer !== 'nft-cli') {
    const lib = createLibnftablesTransport(options);
    if (lib.isOk()) return ok(lib.value);
    if (prefer === 'libnftables') return err(lib.error);
    reasons.push(`libnftables: ${lib.error.message}`);
  }
  const cli = createNftCliTransport(options);
  if (cli.isOk()) return ok(cli.value);
  if (prefer === 'nft-cli') return err(cli.error);
  reasons.push(`nft CLI: ${cli.error.message}`);
  return err(
    backendError(
      'unavailable',
      `no nftables transport: neither libnftables nor the nft CLI is usable (${reasons.join('; ')})`,
    ),
  );
}
