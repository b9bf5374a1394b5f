/**
 * The rtnetlink side of the IPVS backend behind one seam: the namespace's
 * addresses (for the VIP-is-local check) and the few link and address
 * changes that holding VIPs on a dummy link needs. The real table is one
 * `NETLINK_ROUTE` socket in the IPVS namespace, opened on first use; offline
 * tests pass a fake.
 */
import {
  addAddress,
  createDummyLink,
  createNetlinkConnection,
  deleteAddress,
  deleteLink,
  findLink,
  type LinkInfo,
  listAddresses,
  type NetlinkConnection,
  type NetlinkError,
  openNetlinkSocket,
  SOCKET,
} from '@lbkit/netlink';
import { err, ok, type Result } from 'neverthrow';
import type { AddressTable } from './local-vips.js';

/** Addresses plus link changes (a seam: offline tests pass a fake). */
export interface LinkTable extends AddressTable {
  /** The dummy link `name`, created (down) when missing; a link of another kind is an `exists` error. */
  ensureDummy(name: string): Result<LinkInfo, NetlinkError>;
  /** The link named `name`, `undefined` when there is none. */
  findLink(name: string): Result<LinkInfo | undefined, NetlinkError>;
  /** Puts a /32 or /128 on interface `index` (already there is done). */
  addAddress(index: number, address: Uint8Array, operation: string): Result<void, NetlinkError>;
  /** Takes it off (already gone is done). */
  deleteAddress(index: number, address: Uint8Array, operation: string): Result<void, NetlinkError>;
  /** Deletes the link with `index` (already gone is done). */
  deleteLink(index: number, operation: string): Result<void, NetlinkError>;
}

/** The real table: a `NETLINK_ROUTE` socket in `netns` (default: the current one), opened on first use. */
export function rtnetlinkLinkTable(netns?: string): LinkTable {
  let connection: NetlinkConnection | undefined;
  const open = (): Result<NetlinkConnection, NetlinkError> => {
    if (connection) return ok(connection);
    const socket = openNetlinkSocket({
      protocol: SOCKET.NETLINK_ROUTE,
      ...(netns === undefined ? {} : { netns }),
    });
    if (socket.isErr()) return err(socket.error);
    connection = createNetlinkConnection(socket.value);
    return ok(connection);
  };
  return {
    list: () => open().andThen((c) => listAddresses(c)),
    ensureDummy: (name) => open().andThen((c) => createDummyLink(c, name)),
    findLink: (name) => open().andThen((c) => findLink(c, name)),
    addAddress: (index, address, operation) =>
      open().andThen((c) => addAddress(c, index, address, operation)),
    deleteAddress: (index, address, operation) =>
      open().andThen((c) => deleteAddress(c, index, address, operation)),
    deleteLink: (index, operation) => open().andThen((c) => deleteLink(c, index, operation)),
    close: () => {
      connection?.close();
      connection = undefined;
    },
  };
}
