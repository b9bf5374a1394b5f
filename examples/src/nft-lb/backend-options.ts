import type { NftablesRenderOptions } from '@lbkit/backend-nftables';
import type { NftLbOptions } from './cli-args.js';

/** The nftables options `nft-lb`'s flags stand for. */
export function nftablesOptionsOf(options: NftLbOptions): NftablesRenderOptions {
  return {
    table: options.table,
    hooks: { prerouting: true, output: options.output },
    masquerade: options.masquerade,
    counters: true,
    ...(options.forwardMark > 0 && { forwardMark: options.forwardMark }),
    ...(options.snat !== undefined && { snat: options.snat }),
  };
}
