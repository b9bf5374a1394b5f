/**
 * Holding the VIPs on a dummy link the backend owns, as kube-proxy holds its
 * ClusterIPs on `kube-ipvs0`: IPVS sees only packets to local addresses, and
 * an address on a dummy link (even down) is local. The link is the one named
 * in the option and nothing else is ever touched: only its own addresses are
 * read, added or deleted. Addresses go on before the IPVS services that use
 * them are added and come off after those services are removed; both steps
 * run only when the set of VIPs changes.
 */
import { type BackendError, backendError, formatIpv4, formatIpv6 } from '@lbkit/core';
import { checkLinkName, type LinkInfo, type NetlinkError, RTNL } from '@lbkit/netlink';
import { err, ok, type Result } from 'neverthrow';
import type { LinkTable } from './link-table.js';
import type { VipUse } from './local-vips.js';

/** The VIPs of the desired services on the dummy link. */
export interface HeldVips {
  /** The link name (`holdVips.interface`). */
  readonly interface: string;
  /**
   * Before the IPVS changes: the dummy link exists and holds every VIP of
   * `vips` (missing ones added; nothing removed yet). Nothing is sent when
   * the set equals the one last settled. Returns the addresses added. A link
   * of that name that is not a dummy is `rejected` and left untouched.
   */
  hold(vips: ReadonlyMap<string, VipUse>): Result<number, BackendError>;
  /**
   * After the IPVS changes succeeded: deletes the link's addresses that no
   * VIP of `vips` uses, and settles the set. Returns the addresses deleted.
   */
  release(vips: ReadonlyMap<string, VipUse>): Result<number, BackendError>;
  /** Deletes the link (`close({ keep: false })`), only if it is a dummy; no link is done. */
  remove(): Result<void, BackendError>;
  close(): void;
}

/** A `rejected` error when `name` cannot be a link name (checked before any request). */
export function checkHoldVipsInterface(name: string): Result<string, BackendError> {
  return checkLinkName(name).mapErr((e) =>
    backendError('rejected', `holdVips.interface: ${e.message}`, { cause: e }),
  );
}

const fromNetlink = (e: NetlinkError, name: string): BackendError =>
  backendError(
    e.kind === 'unavailable' || e.kind === 'permission' ? 'unavailable' : 'rejected',
    `holdVips ${name}: ${e.message}`,
    { cause: e },
  );

/** The canonical text of 4 or 16 address bytes (the keys of `vipUses`). */
const textOf = (bytes: Uint8Array): string =>
  bytes.length === 4 ? formatIpv4(bytes) : formatIpv6(bytes);
const setKeyOf = (vips: ReadonlyMap<string, VipUse>): string => [...vips.keys()].sort().join(' ');
const prefixOf = (bytes: Uint8Array): number => (bytes.length === 4 ? 32 : 128);

/** Holding on the link `name` through `table`; `name` must have passed `checkHoldVipsInterface`. */
export function createHeldVips(name: string, table: LinkTable): HeldVips {
  /** The set of VIPs last held and released: while it is the same, nothing is sent. */
  let settled: string | undefined;
  /** The link and its addresses (by canonical text) as of the last `hold`. */
  let link: LinkInfo | undefined;
  const onLink = new Map<string, Uint8Array>();
  const label = (verb: string, bytes: Uint8Array, text: string): string =>
    `${verb} ${text}/${prefixOf(bytes)} dev ${name}`;

  /** The link, created when missing, and what it holds now (one create or read, one dump). */
  const readLink = (): Result<LinkInfo, BackendError> => {
    const found = table.ensureDummy(name);
    if (found.isErr()) return err(fromNetlink(found.error, name));
    const listed = table.list();
    if (listed.isErr()) return err(fromNetlink(listed.error, name));
    link = found.value;
    onLink.clear();
    for (const a of listed.value) {
      // A link-local address (fe80::, added by the kernel if someone set the link up) is not a VIP.
      if (a.index !== link.index || a.scope === RTNL.RT_SCOPE_LINK) continue;
      onLink.set(textOf(a.address), a.address);
    }
    return ok(link);
  };

  const hold: HeldVips['hold'] = (vips) => {
    if (setKeyOf(vips) === settled) return ok(0);
    const current = readLink();
    if (current.isErr()) return err(current.error);
    let added = 0;
    for (const [text, use] of vips) {
      if (onLink.has(text)) continue;
      const bytes = use.address.bytes;
      const done = table.addAddress(current.value.index, bytes, label('add', bytes, text));
      if (done.isErr()) return err(fromNetlink(done.error, name));
      onLink.set(text, bytes);
      added++;
    }
    return ok(added);
  };

  const release: HeldVips['release'] = (vips) => {
    const key = setKeyOf(vips);
    if (key === settled || !link) return ok(0);
    let deleted = 0;
    for (const [text, bytes] of [...onLink]) {
      if (vips.has(text)) continue;
      const done = table.deleteAddress(link.index, bytes, label('del', bytes, text));
      if (done.isErr()) return err(fromNetlink(done.error, name));
      onLink.delete(text);
      deleted++;
    }
    settled = key;
    return ok(deleted);
  };

  const remove: HeldVips['remove'] = () => {
    settled = undefined;
    link = undefined;
    onLink.clear();
    const found = table.findLink(name);
    if (found.isErr()) return err(fromNetlink(found.error, name));
    if (!found.value) return ok(undefined);
    if (found.value.kind !== 'dummy') {
      return err(
        backendError('rejected', `holdVips ${name}: exists and is not a dummy link; left alone`),
      );
    }
    return table
      .deleteLink(found.value.index, `RTM_DELLINK ${name}`)
      .mapErr((e) => fromNetlink(e, name));
  };

  return { interface: name, hold, release, remove, close: () => table.close() };
}
