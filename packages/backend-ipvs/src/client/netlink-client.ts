import {
  createNetlinkConnection,
  createSerialQueue,
  type NetlinkConnection,
  type NetlinkMessage,
  type NetlinkSocket,
  type NetlinkSocketOptions,
  netlinkError,
  openNetlinkSocket,
  pacer,
  type RequestMode,
  resolveFamily,
} from '@lbkit/netlink';
import { err, errAsync, ok, okAsync, type Result, ResultAsync } from 'neverthrow';
import {
  decodeDaemonReply,
  decodeDestinationReply,
  decodeInfoReply,
  decodeServiceReply,
  encodeRequest,
  type IpvsRequest,
} from '../codec/request.js';
import { IPVS_CMD, IPVS_GENL } from '../uapi.js';
import type { IpvsChange, IpvsClient, IpvsError } from './client.js';
import { formatDestinationId, formatServiceId } from './types.js';

/** Options for `createIpvsClient`. */
export interface IpvsClientOptions extends Omit<NetlinkSocketOptions, 'protocol'> {
  /**
   * Test seam: a transport to use instead of opening an AF_NETLINK socket (e.g.
   * `createFakeNetlinkKernel` from `@lbkit/backend-ipvs/testing`). Default: a real socket.
   */
  readonly transport?: NetlinkSocket;
}

const CMD_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(IPVS_CMD).map(([name, value]) => [value, name]),
);

/** Human-readable label of a request for error messages: `NEW_DEST tcp/192.0.2.10:80 198.51.100.1:80`. */
export function describeRequest(request: IpvsRequest): string {
  const parts = [CMD_NAMES[request.cmd] ?? `cmd ${request.cmd}`];
  if (request.service) parts.push(formatServiceId(request.service.id));
  if (request.destination) parts.push(formatDestinationId(request.destination.id));
  if (request.daemon) parts.push(`${request.daemon.state} ${request.daemon.interface}`.trim());
  return parts.join(' ');
}

/** The request a change is. */
export function changeRequest(change: IpvsChange): IpvsRequest {
  switch (change.op) {
    case 'create-service':
      return { cmd: IPVS_CMD.NEW_SERVICE, service: { id: change.service, config: change.config } };
    case 'update-service':
      return { cmd: IPVS_CMD.SET_SERVICE, service: { id: change.service, config: change.config } };
    case 'remove-service':
      return { cmd: IPVS_CMD.DEL_SERVICE, service: { id: change.service } };
    case 'create-destination':
    case 'update-destination':
      return {
        cmd: change.op === 'create-destination' ? IPVS_CMD.NEW_DEST : IPVS_CMD.SET_DEST,
        service: { id: change.service },
        destination: { id: change.destination, config: change.config },
      };
    case 'remove-destination':
      return {
        cmd: IPVS_CMD.DEL_DEST,
        service: { id: change.service },
        destination: { id: change.destination },
      };
  }
}

function collect<T>(
  messages: NetlinkMessage[],
  decode: (payload: Uint8Array) => Result<T, IpvsError>,
): Result<T[], IpvsError> {
  const out: T[] = [];
  for (const m of messages) {
    const item = decode(m.payload);
    if (item.isErr()) return err(item.error);
    out.push(item.value);
  }
  return ok(out);
}

/** Builds an `IpvsClient` on an open netlink connection whose IPVS family id is known. */
export function ipvsClientOn(connection: NetlinkConnection, familyId: number): IpvsClient {
  /**
   * One call on the connection at a time: a paced `changeAll` lets the event
   * loop run between its socket writes, and a call made meanwhile (a flow
   * count, a read) waits for it instead of reading its answers.
   */
  const serial = createSerialQueue(
    (cause): IpvsError => netlinkError('io', `IPVS client: ${String(cause)}`),
  );
  /** `work` (synchronous requests) when its turn comes. */
  const inTurn = <T>(work: () => Result<T, IpvsError>): ResultAsync<T, IpvsError> =>
    serial(async () => work());
  const send = (request: IpvsRequest, mode: RequestMode): Result<NetlinkMessage[], IpvsError> => {
    const label = describeRequest(request);
    return encodeRequest(request)
      .mapErr((e) => ({ ...e, operation: label }))
      .andThen((payload) => connection.request(familyId, payload, mode, label));
  };
  const act = (request: IpvsRequest): ResultAsync<void, IpvsError> =>
    inTurn(() => send(request, 'ack').map(() => undefined));
  /**
   * Encodes every change (one that does not encode is answered at once and
   * not sent) and sends them, the event loop running in between (encoding a
   * thousand changes takes a while too).
   */
  const changeAll = async (changes: readonly IpvsChange[]): Promise<Result<void, IpvsError>[]> => {
    const results: Result<void, IpvsError>[] = [];
    const payloads: Uint8Array[] = [];
    const labels: string[] = [];
    const at: number[] = [];
    const pace = pacer();
    for (const [i, change] of changes.entries()) {
      const paused = pace();
      if (paused) await paused;
      const request = changeRequest(change);
      const label = describeRequest(request);
      const payload = encodeRequest(request);
      if (payload.isErr()) {
        results[i] = err({ ...payload.error, operation: label });
        continue;
      }
      payloads.push(payload.value);
      labels.push(label);
      at.push(i);
    }
    const answers = await connection.requestEachPaced(familyId, payloads, pace, labels);
    for (const [k, r] of answers.entries()) {
      results[at[k]!] = r;
    }
    return results;
  };

  return {
    info: () =>
      inTurn(() =>
        send({ cmd: IPVS_CMD.GET_INFO }, 'ack').andThen((replies) =>
          replies[0]
            ? decodeInfoReply(replies[0].payload)
            : err(netlinkError('parse', 'no info reply')),
        ),
      ),
    services: () =>
      inTurn(() =>
        send({ cmd: IPVS_CMD.GET_SERVICE }, 'dump').andThen((m) => collect(m, decodeServiceReply)),
      ),
    createService: (id, config) => act({ cmd: IPVS_CMD.NEW_SERVICE, service: { id, config } }),
    updateService: (id, config) => act({ cmd: IPVS_CMD.SET_SERVICE, service: { id, config } }),
    removeService: (id) => act({ cmd: IPVS_CMD.DEL_SERVICE, service: { id } }),
    destinations: (service) =>
      inTurn(() =>
        send({ cmd: IPVS_CMD.GET_DEST, service: { id: service } }, 'dump').andThen((m) =>
          collect(m, (payload) => decodeDestinationReply(payload, service.family)),
        ),
      ),
    createDestination: (service, id, config) =>
      act({ cmd: IPVS_CMD.NEW_DEST, service: { id: service }, destination: { id, config } }),
    updateDestination: (service, id, config) =>
      act({ cmd: IPVS_CMD.SET_DEST, service: { id: service }, destination: { id, config } }),
    removeDestination: (service, id) =>
      act({ cmd: IPVS_CMD.DEL_DEST, service: { id: service }, destination: { id } }),
    changeAll: (changes) => serial(async () => ok(await changeAll(changes))),
    flush: () => act({ cmd: IPVS_CMD.FLUSH }),
    syncDaemons: () =>
      inTurn(() =>
        send({ cmd: IPVS_CMD.GET_DAEMON }, 'dump').andThen((m) => collect(m, decodeDaemonReply)),
      ),
    startSyncDaemon: (daemon) => act({ cmd: IPVS_CMD.NEW_DAEMON, daemon }),
    stopSyncDaemon: (state) =>
      act({ cmd: IPVS_CMD.DEL_DAEMON, daemon: { state, interface: '', syncId: 0 } }),
    close: () => connection.close(),
  };
}

/**
 * Opens a generic netlink socket (optionally inside a named network namespace),
 * resolves the `IPVS` family through nlctrl and returns a client. Errors:
 * `unavailable` (no koffi/libc, or the ip_vs module is not loaded in this
 * kernel), `permission` (socket needs no privilege, but IPVS changes need
 * CAP_NET_ADMIN and fail then), `not-found` (no such netns).
 */
export function createIpvsClient(
  options: IpvsClientOptions = {},
): ResultAsync<IpvsClient, IpvsError> {
  const { transport, ...socketOptions } = options;
  const opened: Promise<Result<NetlinkSocket, IpvsError>> = transport
    ? Promise.resolve(ok(transport))
    : Promise.resolve(openNetlinkSocket(socketOptions));
  return new ResultAsync(opened).andThen((t) => {
    const connection = createNetlinkConnection(t);
    const family = resolveFamily(connection, IPVS_GENL.NAME);
    if (family.isErr()) {
      connection.close();
      return errAsync(family.error);
    }
    return okAsync(ipvsClientOn(connection, family.value.id));
  });
}
