/**
 * The VIP-is-local check on its own, for a daemon's `--check`: no IPVS, no
 * change, one rtnetlink address dump of the namespace.
 */

import { rtnetlinkLinkTable } from './link-table.js';
import { createLocalVips } from './local-vips.js';
import { type VipCarrier, vipUses } from './vip-uses.js';

/** Options of `checkVipsLocal`. */
export interface CheckVipsOptions {
  /** Namespace (a name under /run/netns). Default: the current one. */
  readonly netns?: string;
}

/**
 * One warning per VIP of `services` that is not a local address of the
 * namespace (the warnings the backend emits at apply); a failed read is one
 * warning too. Empty: every VIP is local.
 */
export function checkVipsLocal(
  services: readonly VipCarrier[],
  options: CheckVipsOptions = {},
): readonly string[] {
  const check = createLocalVips(rtnetlinkLinkTable(options.netns));
  try {
    return check.check(vipUses({ services }));
  } finally {
    check.close();
  }
}
