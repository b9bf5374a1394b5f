/**
 * rtnetlink (`NETLINK_ROUTE`) addresses, without an `ip` process: dump every
 * local address of a namespace (`RTM_GETADDR`), as `ip address show` reads
 * them, and put a host address (/32, /128) on an interface or take it off
 * (`RTM_NEWADDR`, `RTM_DELADDR`), as `ip address add|del` do. The codecs are
 * pure; the calls talk to the kernel through a `NetlinkConnection` on a
 * `NETLINK_ROUTE` socket.
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import {
  attrBytes,
  decodeAttributes,
  encodeAttributes,
  indexAttributes,
  readString,
  readU32,
} from './attributes.js';
import type { NetlinkConnection } from './connection.js';
import { type NetlinkError, netlinkError } from './errors.js';
import { ERRNO, NLM, RTNL, SOCKET } from './uapi.js';

/** One address as dumped (`RTM_NEWADDR`): 4 or 16 bytes on interface `index`. */
export interface InterfaceAddress {
  readonly index: number;
  readonly address: Uint8Array;
  readonly prefixLength: number;
  readonly scope: number;
  /** `IFA_FLAGS` when present (32-bit), else the header's 8 bits. */
  readonly flags: number;
  /** `IFA_LABEL` (IPv4 only), if any. */
  readonly label?: string;
}

/** Payload of an `RTM_GETADDR` dump of every address of `family` (0 = both). */
export function encodeAddressDump(family = 0): Uint8Array {
  const header = new Uint8Array(RTNL.IFADDRMSG_LEN);
  header[0] = family;
  return header;
}

/** Decodes one `RTM_NEWADDR` payload; `undefined` when it has no address (never throws). */
export function decodeInterfaceAddress(payload: Uint8Array): InterfaceAddress | undefined {
  if (payload.length < RTNL.IFADDRMSG_LEN) return undefined;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const attrs = decodeAttributes(payload.subarray(RTNL.IFADDRMSG_LEN));
  if (attrs.isErr()) return undefined;
  const index = indexAttributes(attrs.value);
  const address = (index.get(RTNL.IFA_LOCAL) ?? index.get(RTNL.IFA_ADDRESS))?.value;
  if (!address || (address.length !== 4 && address.length !== 16)) return undefined;
  const flags = index.get(RTNL.IFA_FLAGS);
  const label = index.get(RTNL.IFA_LABEL);
  return {
    index: view.getUint32(4, true),
    address: address.slice(),
    prefixLength: payload[1] ?? 0,
    scope: payload[3] ?? 0,
    flags: (flags ? readU32(flags) : undefined) ?? payload[2] ?? 0,
    ...(label ? { label: readString(label) } : {}),
  };
}

/** Every address of the connection's namespace (one `RTM_GETADDR` dump). */
export function listAddresses(
  connection: NetlinkConnection,
): Result<InterfaceAddress[], NetlinkError> {
  const reply = connection.request(RTNL.RTM_GETADDR, encodeAddressDump(), 'dump', 'RTM_GETADDR');
  if (reply.isErr()) return err(reply.error);
  const out: InterfaceAddress[] = [];
  for (const message of reply.value) {
    if (message.type !== RTNL.RTM_NEWADDR) continue;
    const address = decodeInterfaceAddress(message.payload);
    if (address) out.push(address);
  }
  return ok(out);
}

/**
 * Payload of an `RTM_NEWADDR` / `RTM_DELADDR` for `address` (4 or 16 bytes) as
 * a host address (/32, /128) on interface `index`: an ifaddrmsg, then
 * IFA_LOCAL and IFA_ADDRESS both set to the address (as `ip address add`
 * sends a non point-to-point address). Scope global (`RT_SCOPE_UNIVERSE`),
 * as kube-proxy gives the ClusterIPs it puts on `kube-ipvs0` (it leaves the
 * scope at 0) and as `ip address add` does: `scope host` is meant for
 * addresses valid only inside the host (127.0.0.1 on `lo`), a VIP is reached
 * from other hosts; either scope makes the address local (a `local` route in
 * table local), which is what IPVS needs. An `invalid` error (nothing to
 * send) for another length or an index that is not a positive 32-bit integer.
 */
export function encodeAddressChange(
  index: number,
  address: Uint8Array,
): Result<Uint8Array, NetlinkError> {
  if (address.length !== 4 && address.length !== 16) {
    return err(netlinkError('invalid', `an address has 4 or 16 bytes, not ${address.length}`));
  }
  if (!Number.isInteger(index) || index < 1 || index > 0x7fffffff) {
    return err(netlinkError('invalid', `invalid interface index ${index}`));
  }
  const v4 = address.length === 4;
  const attrs = encodeAttributes([
    attrBytes(RTNL.IFA_LOCAL, address),
    attrBytes(RTNL.IFA_ADDRESS, address),
  ]);
  const out = new Uint8Array(RTNL.IFADDRMSG_LEN + attrs.length);
  const view = new DataView(out.buffer);
  out[0] = v4 ? SOCKET.AF_INET : SOCKET.AF_INET6;
  out[1] = v4 ? 32 : 128;
  out[2] = 0;
  out[3] = RTNL.RT_SCOPE_UNIVERSE;
  view.setUint32(4, index, true);
  out.set(attrs, RTNL.IFADDRMSG_LEN);
  return ok(out);
}

/** Runs one address change; an answer with errno `tolerated` counts as done. */
function changeAddress(
  connection: NetlinkConnection,
  type: number,
  index: number,
  address: Uint8Array,
  tolerated: number,
  operation: string,
  extraFlags = 0,
): Result<void, NetlinkError> {
  const payload = encodeAddressChange(index, address);
  if (payload.isErr()) return err({ ...payload.error, operation });
  const reply = connection.request(type, payload.value, 'ack', operation, extraFlags);
  if (reply.isOk() || reply.error.errno === tolerated) return ok(undefined);
  return err(reply.error);
}

/**
 * Puts `address` on interface `index` as a host address (see
 * `encodeAddressChange`), `NLM_F_CREATE | NLM_F_EXCL` like `ip address add`:
 * already there (EEXIST) is done, not an error. Errors: `invalid`, `unavailable`
 * (ENODEV: no such interface), `permission` (needs CAP_NET_ADMIN).
 */
export function addAddress(
  connection: NetlinkConnection,
  index: number,
  address: Uint8Array,
  operation = 'RTM_NEWADDR',
): Result<void, NetlinkError> {
  const flags = NLM.F_CREATE | NLM.F_EXCL;
  return changeAddress(
    connection,
    RTNL.RTM_NEWADDR,
    index,
    address,
    ERRNO.EEXIST,
    operation,
    flags,
  );
}

/**
 * Takes the host address `address` off interface `index`: not there
 * (EADDRNOTAVAIL) is done, not an error. Errors as `addAddress`.
 */
export function deleteAddress(
  connection: NetlinkConnection,
  index: number,
  address: Uint8Array,
  operation = 'RTM_DELADDR',
): Result<void, NetlinkError> {
  return changeAddress(
    connection,
    RTNL.RTM_DELADDR,
    index,
    address,
    ERRNO.EADDRNOTAVAIL,
    operation,
  );
}
