/**
 * The sync daemon's attributes (IPVS_CMD_ATTR_DAEMON, nested
 * IPVS_DAEMON_ATTR_*): what NEW_DAEMON / DEL_DAEMON send and a GET_DAEMON dump
 * entry carries. Encode/decode pairs; decoding never throws.
 * @module
 */
import {
  type AttrSpec,
  attrNest,
  attrString,
  attrU8,
  attrU16,
  attrU32,
  decodeAttributes,
  indexAttributes,
  type NetlinkError,
  netlinkError,
  readString,
  readU16,
  readU32,
} from '@lbkit/netlink';
import { err, ok, type Result } from 'neverthrow';
import type { SyncDaemon, SyncDaemonState } from '../client/types.js';
import { IP_VS_LIMITS, IP_VS_STATE, IPVS_CMD_ATTR, IPVS_DAEMON_ATTR } from '../uapi.js';

const IFNAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

const stateCode = (state: SyncDaemonState): number =>
  state === 'master' ? IP_VS_STATE.MASTER : IP_VS_STATE.BACKUP;

/** Why a daemon cannot be sent, or undefined. */
export function checkSyncDaemon(
  d: Pick<SyncDaemon, 'state' | 'interface' | 'syncId'>,
): string | undefined {
  if (d.state !== 'master' && d.state !== 'backup')
    return `sync daemon state must be master or backup, got ${String(d.state)}`;
  if (
    typeof d.interface !== 'string' ||
    d.interface.length === 0 ||
    d.interface.length >= IP_VS_LIMITS.IFNAME_MAXLEN ||
    !IFNAME.test(d.interface)
  ) {
    return `sync daemon interface must be an interface name (1..15 characters), got ${JSON.stringify(String(d.interface)).slice(0, 40)}`;
  }
  if (!Number.isInteger(d.syncId) || d.syncId < 0 || d.syncId > 255)
    return `sync id must be 0..255, got ${d.syncId}`;
  return undefined;
}

/** NEW_DAEMON's attribute: state, interface, sync id (the kernel's defaults for the rest). */
export function encodeDaemonStart(
  d: Pick<SyncDaemon, 'state' | 'interface' | 'syncId'>,
): Result<AttrSpec, NetlinkError> {
  const problem = checkSyncDaemon(d);
  if (problem) return err(netlinkError('invalid', problem));
  return ok(
    attrNest(IPVS_CMD_ATTR.DAEMON, [
      attrU32(IPVS_DAEMON_ATTR.STATE, stateCode(d.state)),
      attrString(IPVS_DAEMON_ATTR.MCAST_IFN, d.interface),
      attrU32(IPVS_DAEMON_ATTR.SYNC_ID, d.syncId),
    ]),
  );
}

/** DEL_DAEMON's attribute: the state to stop. */
export const encodeDaemonStop = (state: SyncDaemonState): AttrSpec =>
  attrNest(IPVS_CMD_ATTR.DAEMON, [attrU32(IPVS_DAEMON_ATTR.STATE, stateCode(state))]);

/** A GET_DAEMON dump entry's attribute (for fakes and fixtures). */
export const encodeDaemonEntry = (d: SyncDaemon): AttrSpec =>
  attrNest(IPVS_CMD_ATTR.DAEMON, [
    attrU32(IPVS_DAEMON_ATTR.STATE, stateCode(d.state)),
    attrString(IPVS_DAEMON_ATTR.MCAST_IFN, d.interface),
    attrU32(IPVS_DAEMON_ATTR.SYNC_ID, d.syncId),
    ...(d.port !== undefined ? [attrU16(IPVS_DAEMON_ATTR.MCAST_PORT, d.port)] : []),
    ...(d.ttl !== undefined ? [attrU8(IPVS_DAEMON_ATTR.MCAST_TTL, d.ttl)] : []),
  ]);

/**
 * Decodes IPVS_CMD_ATTR_DAEMON's content. `interface` and `syncId` may be
 * missing in a DEL_DAEMON request: they come back as '' and 0 then.
 */
export function decodeDaemonAttributes(bytes: Uint8Array): Result<SyncDaemon, NetlinkError> {
  return decodeAttributes(bytes).andThen((list) => {
    const by = indexAttributes(list);
    const code = by.get(IPVS_DAEMON_ATTR.STATE) && readU32(by.get(IPVS_DAEMON_ATTR.STATE)!);
    const state: SyncDaemonState | undefined =
      code === IP_VS_STATE.MASTER ? 'master' : code === IP_VS_STATE.BACKUP ? 'backup' : undefined;
    if (!state) return err(netlinkError('parse', `sync daemon with state ${String(code)}`));
    const ifn = by.get(IPVS_DAEMON_ATTR.MCAST_IFN);
    const id = by.get(IPVS_DAEMON_ATTR.SYNC_ID);
    const port = by.get(IPVS_DAEMON_ATTR.MCAST_PORT);
    const ttl = by.get(IPVS_DAEMON_ATTR.MCAST_TTL);
    const group = by.get(IPVS_DAEMON_ATTR.MCAST_GROUP);
    return ok({
      state,
      interface: (ifn && readString(ifn)) ?? '',
      syncId: (id && readU32(id)) ?? 0,
      ...(port && readU16(port) !== undefined && { port: readU16(port)! }),
      ...(ttl && ttl.value.length >= 1 && { ttl: ttl.value[0]! }),
      ...(group && group.value.length === 4 && { group: Array.from(group.value).join('.') }),
    });
  });
}
