/**
 * IPVS sees only packets addressed to a LOCAL address of its namespace: a VIP
 * that is merely routed to the balancer is forwarded past IPVS (or dropped),
 * balanced by nothing, and nothing says so. This checks each VIP against the
 * namespace's addresses (one rtnetlink dump, only when the set of VIPs
 * changes) and reports the ones that are not local.
 */
import type { ParsedAddress } from '@lbkit/core';
import type { InterfaceAddress, NetlinkError } from '@lbkit/netlink';
import type { Result } from 'neverthrow';

/** Where the local addresses come from (a seam: offline tests pass a fake; the real one is `rtnetlinkLinkTable`). */
export interface AddressTable {
  list(): Result<readonly InterfaceAddress[], NetlinkError>;
  close(): void;
}

/** A VIP and the services that use it. */
export interface VipUse {
  readonly address: ParsedAddress;
  readonly services: readonly string[];
}

/** Checks that the VIPs are local. */
export interface LocalVips {
  /**
   * One warning line per VIP newly found not local (each said once until it
   * becomes local or leaves the set). Reads the addresses only when the set
   * of VIPs differs from the last call's. A failed read is one warning, never
   * an error: the check must not stop balancing.
   */
  check(vips: ReadonlyMap<string, VipUse>): readonly string[];
  close(): void;
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/** The warning for `vip`, not local, used by `services`. */
export const notLocalWarning = (vip: string, services: readonly string[]): string =>
  `VIP ${vip} is not a local address in the IPVS namespace: IPVS sees only packets to local addresses, so ${services.join(', ')} balance nothing (put the VIP on an interface of the balancer, e.g. a dummy)`;

/** The check over `table`. */
export function createLocalVips(table: AddressTable): LocalVips {
  /** VIPs already reported as not local. */
  const warned = new Set<string>();
  let lastSet: string | undefined;

  const check = (vips: ReadonlyMap<string, VipUse>): readonly string[] => {
    const setKey = [...vips.keys()].sort().join(' ');
    if (setKey === lastSet) return [];
    const listed = table.list();
    lastSet = setKey;
    // Advisory: a failed read never stops the apply; it is said once per VIP set.
    if (listed.isErr()) return [`could not check that the VIPs are local: ${listed.error.message}`];
    const isLocal = (a: ParsedAddress): boolean =>
      listed.value.some((x) => sameBytes(x.address, a.bytes));
    const warnings: string[] = [];
    for (const vip of [...warned]) {
      const use = vips.get(vip);
      if (!use || isLocal(use.address)) warned.delete(vip);
    }
    for (const [vip, use] of vips) {
      if (isLocal(use.address) || warned.has(vip)) continue;
      warned.add(vip);
      warnings.push(notLocalWarning(vip, use.services));
    }
    return warnings;
  };

  return { check, close: () => table.close() };
}
