import {
  type AttrSpec,
  decodeAttributes,
  decodeGenl,
  encodeGenlAttributes,
  type NetlinkError,
  netlinkError,
} from '@lbkit/netlink';
import { err, ok, type Result } from 'neverthrow';
import type {
  DestinationConfig,
  DestinationId,
  IpvsDestination,
  IpvsInfo,
  IpvsService,
  ServiceConfig,
  ServiceId,
  SyncDaemon,
} from '../client/types.js';
import { IPVS_CMD, IPVS_CMD_ATTR, IPVS_DEST_ATTR, IPVS_GENL, IPVS_SVC_ATTR } from '../uapi.js';
import {
  decodeDaemonAttributes,
  encodeDaemonEntry,
  encodeDaemonStart,
  encodeDaemonStop,
} from './daemon.js';
import {
  decodeDestinationAttributes,
  encodeDestinationEntry,
  encodeDestinationRequest,
} from './destination.js';
import { decodeInfo, encodeInfo } from './info.js';
import { decodeServiceAttributes, encodeServiceEntry, encodeServiceRequest } from './service.js';

/** An IPVS generic netlink request: command plus optional service and destination parts. */
export interface IpvsRequest {
  /** IPVS_CMD_* */
  readonly cmd: number;
  readonly service?: { readonly id: ServiceId; readonly config?: ServiceConfig };
  readonly destination?: { readonly id: DestinationId; readonly config?: DestinationConfig };
  /** NEW_DAEMON: state, interface, sync id; DEL_DAEMON: the state alone is sent. */
  readonly daemon?: Pick<SyncDaemon, 'state' | 'interface' | 'syncId'>;
}

const genl = (cmd: number, attrs: readonly AttrSpec[]): Uint8Array =>
  encodeGenlAttributes(cmd, IPVS_GENL.VERSION, attrs);

/** Encodes a request as a generic netlink payload (genlmsghdr + attributes). */
export function encodeRequest(request: IpvsRequest): Result<Uint8Array, NetlinkError> {
  const attrs: AttrSpec[] = [];
  if (request.service) {
    const s = encodeServiceRequest(request.service.id, request.service.config);
    if (s.isErr()) return err(s.error);
    attrs.push(s.value);
  }
  if (request.destination) {
    const d = encodeDestinationRequest(request.destination.id, request.destination.config);
    if (d.isErr()) return err(d.error);
    attrs.push(d.value);
  }
  if (request.daemon) {
    if (request.cmd === IPVS_CMD.DEL_DAEMON) attrs.push(encodeDaemonStop(request.daemon.state));
    else {
      const d = encodeDaemonStart(request.daemon);
      if (d.isErr()) return err(d.error);
      attrs.push(d.value);
    }
  }
  return ok(genl(request.cmd, attrs));
}

const hasAttr = (bytes: Uint8Array, type: number): boolean =>
  decodeAttributes(bytes).match(
    (list) => list.some((a) => a.type === type),
    () => false,
  );

/**
 * Decodes a request payload (what a fake kernel or a test sees). A service part
 * carries `config` only when it has IPVS_SVC_ATTR_SCHED_NAME, a destination part
 * only when it has IPVS_DEST_ATTR_FWD_METHOD. Never throws.
 */
export function decodeRequest(payload: Uint8Array): Result<IpvsRequest, NetlinkError> {
  const header = decodeGenl(payload);
  if (header.isErr()) return err(header.error);
  const top = decodeAttributes(header.value.attributes);
  if (top.isErr()) return err(top.error);
  let service: IpvsRequest['service'];
  let destination: IpvsRequest['destination'];
  let daemon: IpvsRequest['daemon'];
  for (const a of top.value) {
    if (a.type === IPVS_CMD_ATTR.DAEMON) {
      const d = decodeDaemonAttributes(a.value);
      if (d.isErr()) return err(d.error);
      daemon = { state: d.value.state, interface: d.value.interface, syncId: d.value.syncId };
    }
    if (a.type === IPVS_CMD_ATTR.SERVICE) {
      const s = decodeServiceAttributes(a.value);
      if (s.isErr()) return err(s.error);
      service = hasAttr(a.value, IPVS_SVC_ATTR.SCHED_NAME)
        ? { id: s.value.id, config: s.value.config }
        : { id: s.value.id };
    }
  }
  for (const a of top.value) {
    if (a.type === IPVS_CMD_ATTR.DEST) {
      const d = decodeDestinationAttributes(a.value, service?.id.family ?? 4);
      if (d.isErr()) return err(d.error);
      destination = hasAttr(a.value, IPVS_DEST_ATTR.FWD_METHOD)
        ? { id: d.value.id, config: d.value.config }
        : { id: d.value.id };
    }
  }
  return ok({
    cmd: header.value.cmd,
    ...(service ? { service } : {}),
    ...(destination ? { destination } : {}),
    ...(daemon ? { daemon } : {}),
  });
}

/** One service dump entry as the kernel sends it (cmd NEW_SERVICE). */
export const encodeServiceReply = (service: IpvsService): Result<Uint8Array, NetlinkError> =>
  encodeServiceEntry(service).map((attr) => genl(IPVS_CMD.NEW_SERVICE, [attr]));

/** One destination dump entry as the kernel sends it (cmd NEW_DEST). */
export const encodeDestinationReply = (dest: IpvsDestination): Result<Uint8Array, NetlinkError> =>
  encodeDestinationEntry(dest).map((attr) => genl(IPVS_CMD.NEW_DEST, [attr]));

/** The GET_INFO reply (cmd SET_INFO). */
export const encodeInfoReply = (info: IpvsInfo): Result<Uint8Array, NetlinkError> =>
  encodeInfo(info).map((attrs) => genl(IPVS_CMD.SET_INFO, attrs));

function nested(payload: Uint8Array, type: number, what: string): Result<Uint8Array, NetlinkError> {
  return decodeGenl(payload)
    .andThen((g) => decodeAttributes(g.attributes))
    .andThen((list) => {
      const a = list.find((x) => x.type === type);
      return a ? ok(a.value) : err(netlinkError('parse', `${what} reply without its attribute`));
    });
}

/** Decodes one service dump entry. */
export const decodeServiceReply = (payload: Uint8Array): Result<IpvsService, NetlinkError> =>
  nested(payload, IPVS_CMD_ATTR.SERVICE, 'service').andThen(decodeServiceAttributes);

/** Decodes one destination dump entry; `serviceFamily` stands in for a missing ADDR_FAMILY. */
export const decodeDestinationReply = (
  payload: Uint8Array,
  serviceFamily: 4 | 6,
): Result<IpvsDestination, NetlinkError> =>
  nested(payload, IPVS_CMD_ATTR.DEST, 'destination').andThen((bytes) =>
    decodeDestinationAttributes(bytes, serviceFamily),
  );

/** Decodes the GET_INFO reply. */
export const decodeInfoReply = (payload: Uint8Array): Result<IpvsInfo, NetlinkError> =>
  decodeGenl(payload).andThen((g) => decodeInfo(g.attributes));

/** One sync daemon dump entry as the kernel sends it (cmd NEW_DAEMON). */
export const encodeDaemonReply = (daemon: SyncDaemon): Uint8Array =>
  genl(IPVS_CMD.NEW_DAEMON, [encodeDaemonEntry(daemon)]);

/** Decodes one sync daemon dump entry. */
export const decodeDaemonReply = (payload: Uint8Array): Result<SyncDaemon, NetlinkError> =>
  nested(payload, IPVS_CMD_ATTR.DAEMON, 'daemon').andThen(decodeDaemonAttributes);
