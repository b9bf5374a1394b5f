import { type BackendError, backendError } from '@lbkit/core';
import { err, ok, type Result } from 'neverthrow';
import { withFallback } from './fallback.js';
import type { LibnftablesOptions } from './libnftables.js';
import { createNetlinkTransport } from './netlink.js';
import type { NftCliOptions } from './nft-cli.js';
import {
  createLibnftablesTransport,
  createNftCliTransport,
  type TextTransportPlace,
} from './text-transport.js';
import type { NftTransport } from './transport.js';

/** Options of `createDefaultTransport`: where it acts, and what it may use. */
export interface DefaultTransportOptions
  extends TextTransportPlace,
    Omit<LibnftablesOptions, 'netns'>,
    Omit<NftCliOptions, 'netns'> {
  /**
   * `auto` (default): netlink, with nft text (libnftables, else the CLI)
   * behind it for what netlink cannot encode or send; the others use only
   * that one.
   */
  readonly prefer?: 'auto' | 'netlink' | 'libnftables' | 'nft-cli';
}

/**
 * The transport a backend uses when it is given none: ONE raw nf_tables
 * batch per write on a netlink socket opened in `netns`, falling back to nft
 * text through libnftables (FFI), else the `nft` CLI. Fails with
 * `unavailable` naming every reason when nothing is usable.
 */
export function createDefaultTransport(
  options: DefaultTransportOptions = {},
): Result<NftTransport, BackendError> {
  const prefer = options.prefer ?? 'auto';
  const reasons: string[] = [];
  const pick = (
    name: string,
    make: () => Result<NftTransport, BackendError>,
  ): NftTransport | undefined => {
    const made = make();
    if (made.isOk()) return made.value;
    reasons.push(`${name}: ${made.error.message}`);
    return undefined;
  };
  if (prefer === 'libnftables') return createLibnftablesTransport(options);
  if (prefer === 'nft-cli') return createNftCliTransport(options);
  const netlink = pick('netlink', () => createNetlinkTransport(options));
  if (prefer === 'netlink') {
    return netlink ? ok(netlink) : err(backendError('unavailable', reasons.join('; ')));
  }
  const text =
    pick('libnftables', () => createLibnftablesTransport(options)) ??
    pick('nft CLI', () => createNftCliTransport(options));
  if (netlink && text) return ok(withFallback(netlink, text));
  const one = netlink ?? text;
  if (one) return ok(one);
  return err(
    backendError(
      'unavailable',
      `no nftables transport: neither netlink, libnftables nor the nft CLI is usable (${reasons.join('; ')})`,
    ),
  );
}
