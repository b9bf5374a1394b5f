/**
 * rtnetlink (`NETLINK_ROUTE`) links, without an `ip` process: find a link by
 * name (`RTM_GETLINK`), create a dummy link (`RTM_NEWLINK`, as `ip link add
 * NAME type dummy`) and delete a link (`RTM_DELLINK`). The codecs are pure;
 * the calls talk to the kernel through a `NetlinkConnection`.
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import {
  attrNest,
  attrString,
  decodeAttributes,
  encodeAttributes,
  indexAttributes,
  readString,
} from './attributes.js';
import type { NetlinkConnection } from './connection.js';
import { type NetlinkError, netlinkError } from './errors.js';
import { ERRNO, NLM, RTNL } from './uapi.js';

/** A link as the kernel describes it (`RTM_NEWLINK` answer to `RTM_GETLINK`). */
export interface LinkInfo {
  readonly index: number;
  readonly name: string;
  /** `IFLA_INFO_KIND` (`dummy`, `veth`, ...); absent for a physical device or `lo`. */
  readonly kind?: string;
  /** `IFF_*` flags (`RTNL.IFF_UP`, ...). */
  readonly flags: number;
}

/**
 * A link name this library sends: 1 to 15 (`IFNAMSIZ - 1`) letters, digits,
 * `_`, `.` or `-`. Stricter than the kernel's `dev_valid_name` (which also
 * takes other bytes but never `/`, `:` or white space).
 */
export const LINK_NAME = /^[A-Za-z0-9_.-]{1,15}$/;

/** The name when it is a `LINK_NAME` other than `.` and `..`, else an `invalid` error. */
export function checkLinkName(name: string): Result<string, NetlinkError> {
  if (LINK_NAME.test(name) && name !== '.' && name !== '..') return ok(name);
  return err(
    netlinkError(
      'invalid',
      `invalid link name ${JSON.stringify(name)}: 1 to ${RTNL.IFNAMSIZ - 1} of A-Z a-z 0-9 _ . - (not . or ..)`,
    ),
  );
}

/** An ifinfomsg (family AF_UNSPEC, no flags, no change mask) for `index`, then `attrs`. */
function ifinfomsg(index: number, attrs: Uint8Array): Uint8Array {
  const out = new Uint8Array(RTNL.IFINFOMSG_LEN + attrs.length);
  new DataView(out.buffer).setInt32(4, index, true);
  out.set(attrs, RTNL.IFINFOMSG_LEN);
  return out;
}

/** Payload of an `RTM_GETLINK` for the link named `name` (index 0, `IFLA_IFNAME`). */
export function encodeLinkByName(name: string): Result<Uint8Array, NetlinkError> {
  return checkLinkName(name).map((n) =>
    ifinfomsg(0, encodeAttributes([attrString(RTNL.IFLA_IFNAME, n)])),
  );
}

/**
 * Payload of an `RTM_NEWLINK` creating the dummy link `name`: `IFLA_IFNAME`
 * and `IFLA_LINKINFO { IFLA_INFO_KIND "dummy" }`. No `IFF_UP` in the header,
 * so the link stays down (as kube-proxy's `kube-ipvs0`): addresses on a down
 * dummy are still local addresses.
 */
export function encodeDummyLink(name: string): Result<Uint8Array, NetlinkError> {
  return checkLinkName(name).map((n) =>
    ifinfomsg(
      0,
      encodeAttributes([
        attrString(RTNL.IFLA_IFNAME, n),
        attrNest(RTNL.IFLA_LINKINFO, [attrString(RTNL.IFLA_INFO_KIND, 'dummy')]),
      ]),
    ),
  );
}

/** Payload of an `RTM_DELLINK` of the link with `index` (a positive 32-bit integer). */
export function encodeLinkDelete(index: number): Result<Uint8Array, NetlinkError> {
  if (!Number.isInteger(index) || index < 1 || index > 0x7fffffff) {
    return err(netlinkError('invalid', `invalid interface index ${index}`));
  }
  return ok(ifinfomsg(index, new Uint8Array(0)));
}

/** Decodes one `RTM_NEWLINK` payload; `undefined` when it is short or has no name (never throws). */
export function decodeLink(payload: Uint8Array): LinkInfo | undefined {
  if (payload.length < RTNL.IFINFOMSG_LEN) return undefined;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const attrs = decodeAttributes(payload.subarray(RTNL.IFINFOMSG_LEN));
  if (attrs.isErr()) return undefined;
  const index = indexAttributes(attrs.value);
  const name = index.get(RTNL.IFLA_IFNAME);
  if (!name) return undefined;
  const info = index.get(RTNL.IFLA_LINKINFO);
  const infoAttrs = info ? decodeAttributes(info.value) : undefined;
  const kind = infoAttrs?.isOk()
    ? indexAttributes(infoAttrs.value).get(RTNL.IFLA_INFO_KIND)
    : undefined;
  return {
    index: view.getInt32(4, true),
    name: readString(name),
    ...(kind ? { kind: readString(kind) } : {}),
    flags: view.getUint32(8, true),
  };
}

/**
 * The link named `name`, `undefined` when there is none (ENODEV). Errors:
 * `invalid` (the name), `permission`, `parse` (an answer without a link).
 */
export function findLink(
  connection: NetlinkConnection,
  name: string,
): Result<LinkInfo | undefined, NetlinkError> {
  const operation = `RTM_GETLINK ${name}`;
  const payload = encodeLinkByName(name);
  if (payload.isErr()) return err({ ...payload.error, operation });
  const reply = connection.request(RTNL.RTM_GETLINK, payload.value, 'ack', operation);
  if (reply.isErr()) return reply.error.errno === ERRNO.ENODEV ? ok(undefined) : err(reply.error);
  const message = reply.value.find((m) => m.type === RTNL.RTM_NEWLINK);
  const link = message && decodeLink(message.payload);
  return link ? ok(link) : err(netlinkError('parse', 'no link in the answer', operation));
}

/**
 * Makes sure a dummy link named `name` exists (`NLM_F_CREATE | NLM_F_EXCL`,
 * then `RTM_GETLINK` for its index) and returns it. A dummy of that name
 * already there (EEXIST) is fine; a link of another kind is an `exists`
 * error and is left as it is. A new link is down. Needs the `dummy` driver
 * (`unavailable`, EOPNOTSUPP, when the kernel has none) and CAP_NET_ADMIN.
 */
export function createDummyLink(
  connection: NetlinkConnection,
  name: string,
): Result<LinkInfo, NetlinkError> {
  const operation = `RTM_NEWLINK ${name} type dummy`;
  const payload = encodeDummyLink(name);
  if (payload.isErr()) return err({ ...payload.error, operation });
  const flags = NLM.F_CREATE | NLM.F_EXCL;
  const created = connection.request(RTNL.RTM_NEWLINK, payload.value, 'ack', operation, flags);
  if (created.isErr() && created.error.errno !== ERRNO.EEXIST) return err(created.error);
  return findLink(connection, name).andThen((link) => {
    if (!link) return err(netlinkError('not-found', `link ${name} is gone`, operation));
    if (link.kind === 'dummy') return ok(link);
    const what = link.kind ? `a ${link.kind} link` : 'a link without a kind (physical or lo)';
    return err(
      netlinkError('exists', `link ${name} exists and is ${what}, not a dummy`, operation),
    );
  });
}

/** Deletes the link with `index`; no such link (ENODEV) is done, not an error. */
export function deleteLink(
  connection: NetlinkConnection,
  index: number,
  operation = `RTM_DELLINK ${index}`,
): Result<void, NetlinkError> {
  const payload = encodeLinkDelete(index);
  if (payload.isErr()) return err({ ...payload.error, operation });
  const reply = connection.request(RTNL.RTM_DELLINK, payload.value, 'ack', operation);
  return reply.isOk() || reply.error.errno === ERRNO.ENODEV ? ok(undefined) : err(reply.error);
}
