/**
 * rtnetlink (`NETLINK_ROUTE`) addresses, without an `ip` process: dump every
 * local address of a namespace (`RTM_GETADDR`), as `ip address show` reads
 * them. The codecs are pure; `listAddresses` talks to the kernel through a
 * `NetlinkConnection` on a `NETLINK_ROUTE` socket.
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import { decodeAttributes, indexAttributes, readString, readU32 } from './attributes.js';
import type { NetlinkConnection } from './connection.js';
import type { NetlinkError } from './errors.js';
import { RTNL } from './uapi.js';

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
