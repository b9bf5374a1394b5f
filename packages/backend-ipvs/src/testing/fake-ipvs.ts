import { ERRNO, errnoError } from '@lbkit/netlink';
import { err, errAsync, ok, okAsync, type Result, type ResultAsync } from 'neverthrow';
import type { IpvsChange, IpvsClient, IpvsError } from '../client/client.js';
import {
  type DestinationConfig,
  type DestinationId,
  formatDestinationId,
  formatServiceId,
  type IpvsDestination,
  type IpvsInfo,
  type ServiceConfig,
  type ServiceId,
  type SyncDaemon,
  type SyncDaemonState,
} from '../client/types.js';
import { checkSyncDaemon } from '../codec/daemon.js';
import { validateDestination } from '../codec/destination.js';
import { normalizeFlags } from '../codec/flags.js';
import { validateServiceConfig, validateServiceId } from '../codec/service.js';
import { ZERO_STATS } from '../codec/stats.js';

/** Scheduler modules a stock kernel ships (ip_vs_*.ko). */
export const KERNEL_SCHEDULERS: readonly string[] = [
  'rr',
  'wrr',
  'lc',
  'wlc',
  'lblc',
  'lblcr',
  'dh',
  'sh',
  'sed',
  'nq',
  'fo',
  'ovf',
  'mh',
  'twos',
];

/** One call made on a `FakeIpvs`, for assertions and failure injection. */
export interface FakeIpvsCall {
  readonly method: Exclude<keyof IpvsClient, 'close'>;
  readonly service?: ServiceId;
  readonly destination?: DestinationId;
}

/** Options for `createFakeIpvs`. */
export interface FakeIpvsOptions {
  /** Scheduler names that "have a module". Default `KERNEL_SCHEDULERS`. */
  readonly schedulers?: readonly string[];
  /** Return an error to make a call fail before it changes anything (failure injection). */
  readonly fail?: (call: FakeIpvsCall, index: number) => IpvsError | undefined;
}

interface Entry {
  id: ServiceId;
  config: ServiceConfig;
  destinations: Map<string, IpvsDestination>;
}

/** The in-memory IPVS: an `IpvsClient` plus inspection helpers. */
export interface FakeIpvs extends IpvsClient {
  /** Every call, in order (reads included). */
  readonly calls: readonly FakeIpvsCall[];
  /** Number of calls that changed state. */
  readonly writes: number;
  /** True after `close()`; later calls fail with `closed`. Reopen with `reopen()`. */
  readonly closed: boolean;
  /** A new client handle on the same state (a restarted daemon). */
  reopen(): FakeIpvs;
  /** The same operations, synchronous (for the fake netlink kernel). */
  readonly sync: SyncIpvs;
  /**
   * The state as `ipvsadm -Ln` prints it, written straight from the fake's
   * tables (not through the client, the codecs or the backend): what
   * `parseIpvsadmList` reads, so tests read the fake back independently.
   */
  listing(): string;
}

interface State {
  services: Map<string, Entry>;
  daemons: Map<SyncDaemonState, SyncDaemon>;
  calls: FakeIpvsCall[];
  writes: number;
}

const fail = (errno: number, what: string): Result<never, IpvsError> =>
  err(errnoError(errno, what));

/** The client calls as synchronous functions (what `createFakeNetlinkKernel` drives). */
export type SyncIpvs = {
  readonly [K in Exclude<keyof IpvsClient, 'close' | 'changeAll'>]: (
    ...args: Parameters<IpvsClient[K]>
  ) => ReturnType<IpvsClient[K]> extends ResultAsync<infer T, IpvsError>
    ? Result<T, IpvsError>
    : never;
};

/**
 * An in-memory IPVS with the kernel's answers: EEXIST on duplicate creates,
 * ESRCH for a missing service, ENOENT for a missing destination or an unknown
 * scheduler, EINVAL for a mixed-family destination without tunnel forwarding,
 * ERANGE for lower threshold > upper threshold. Services are listed in creation
 * order, like the kernel's hash walk is not: callers must not depend on order.
 */
export function createFakeIpvs(options: FakeIpvsOptions = {}, shared?: State): FakeIpvs {
  const state: State = shared ?? {
    services: new Map(),
    daemons: new Map(),
    calls: [],
    writes: 0,
  };
  const schedulers = options.schedulers ?? KERNEL_SCHEDULERS;
  let closed = false;

  const begin = (call: FakeIpvsCall): IpvsError | undefined => {
    if (closed) return { kind: 'closed', message: 'fake IPVS client is closed' };
    state.calls.push(call);
    return options.fail?.(call, state.calls.length - 1);
  };
  const label = (call: FakeIpvsCall): string =>
    [
      call.method,
      call.service && formatServiceId(call.service),
      call.destination && formatDestinationId(call.destination),
    ]
      .filter(Boolean)
      .join(' ');
  const checkService = (id: ServiceId, config?: ServiceConfig): IpvsError | undefined => {
    const v = validateServiceId(id).andThen(() =>
      config ? validateServiceConfig(id, config) : validateServiceId(id),
    );
    return v.isErr() ? v.error : undefined;
  };
  const write = (): Result<void, IpvsError> => {
    state.writes++;
    return ok(undefined);
  };

  const sync: SyncIpvs = {
    info() {
      const e = begin({ method: 'info' });
      if (e) return err(e);
      const info: IpvsInfo = { version: '1.2.1', connectionTableSize: 4096 };
      return ok(info);
    },
    services() {
      const e = begin({ method: 'services' });
      if (e) return err(e);
      return ok(
        [...state.services.values()].map((s) => ({
          id: s.id,
          config: s.config,
          stats: ZERO_STATS,
        })),
      );
    },
    createService(id, config) {
      const call = { method: 'createService', service: id } as const;
      const e = begin(call) ?? checkService(id, config);
      if (e) return err(e);
      if (state.services.has(formatServiceId(id))) return fail(ERRNO.EEXIST, label(call));
      if (!schedulers.includes(config.scheduler)) return fail(ERRNO.ENOENT, label(call));
      state.services.set(formatServiceId(id), {
        id,
        config: { ...config, flags: normalizeFlags(config.flags) },
        destinations: new Map(),
      });
      return write();
    },
    updateService(id, config) {
      const call = { method: 'updateService', service: id } as const;
      const e = begin(call) ?? checkService(id, config);
      if (e) return err(e);
      const entry = state.services.get(formatServiceId(id));
      if (!entry) return fail(ERRNO.ESRCH, label(call));
      if (!schedulers.includes(config.scheduler)) return fail(ERRNO.ENOENT, label(call));
      entry.config = { ...config, flags: normalizeFlags(config.flags) };
      return write();
    },
    removeService(id) {
      const call = { method: 'removeService', service: id } as const;
      const e = begin(call) ?? checkService(id);
      if (e) return err(e);
      if (!state.services.delete(formatServiceId(id))) return fail(ERRNO.ESRCH, label(call));
      return write();
    },
    destinations(service) {
      const call = { method: 'destinations', service } as const;
      const e = begin(call) ?? checkService(service);
      if (e) return err(e);
      const entry = state.services.get(formatServiceId(service));
      if (!entry) return fail(ERRNO.ESRCH, label(call));
      return ok([...entry.destinations.values()]);
    },
    createDestination(service, id, config) {
      const call = { method: 'createDestination', service, destination: id } as const;
      const e = begin(call) ?? checkService(service) ?? checkDestination(service, id, config);
      if (e) return err(e);
      const entry = state.services.get(formatServiceId(service));
      if (!entry) return fail(ERRNO.ESRCH, label(call));
      if (entry.destinations.has(formatDestinationId(id))) return fail(ERRNO.EEXIST, label(call));
      entry.destinations.set(formatDestinationId(id), destination(id, config));
      return write();
    },
    updateDestination(service, id, config) {
      const call = { method: 'updateDestination', service, destination: id } as const;
      const e = begin(call) ?? checkService(service) ?? checkDestination(service, id, config);
      if (e) return err(e);
      const entry = state.services.get(formatServiceId(service));
      if (!entry) return fail(ERRNO.ESRCH, label(call));
      if (!entry.destinations.has(formatDestinationId(id))) return fail(ERRNO.ENOENT, label(call));
      entry.destinations.set(formatDestinationId(id), destination(id, config));
      return write();
    },
    removeDestination(service, id) {
      const call = { method: 'removeDestination', service, destination: id } as const;
      const e = begin(call) ?? checkService(service);
      if (e) return err(e);
      const entry = state.services.get(formatServiceId(service));
      if (!entry) return fail(ERRNO.ESRCH, label(call));
      if (!entry.destinations.delete(formatDestinationId(id)))
        return fail(ERRNO.ENOENT, label(call));
      return write();
    },
    flush() {
      const e = begin({ method: 'flush' });
      if (e) return err(e);
      state.services.clear();
      return write();
    },
    syncDaemons() {
      const e = begin({ method: 'syncDaemons' });
      return e ? err(e) : ok([...state.daemons.values()]);
    },
    startSyncDaemon(daemon) {
      const e = begin({ method: 'startSyncDaemon' });
      if (e) return err(e);
      const problem = checkSyncDaemon(daemon);
      if (problem) return fail(ERRNO.EINVAL, problem);
      if (state.daemons.has(daemon.state)) return fail(ERRNO.EEXIST, `${daemon.state} sync daemon`);
      state.daemons.set(daemon.state, {
        state: daemon.state,
        interface: daemon.interface,
        syncId: daemon.syncId,
        port: 8848,
        ttl: 1,
      });
      return write();
    },
    stopSyncDaemon(daemonState) {
      const e = begin({ method: 'stopSyncDaemon' });
      if (e) return err(e);
      if (!state.daemons.delete(daemonState))
        return fail(ERRNO.ESRCH, `${daemonState} sync daemon`);
      return write();
    },
  };
  const wrap =
    <A extends unknown[], T>(f: (...args: A) => Result<T, IpvsError>) =>
    (...args: A): ResultAsync<T, IpvsError> => {
      const r = f(...args);
      return r.isOk() ? okAsync(r.value) : errAsync(r.error);
    };
  return {
    get calls() {
      return state.calls;
    },
    get writes() {
      return state.writes;
    },
    get closed() {
      return closed;
    },
    reopen: () => createFakeIpvs(options, state),
    sync,
    listing: () => listing(state),
    info: wrap(sync.info),
    services: wrap(sync.services),
    createService: wrap(sync.createService),
    updateService: wrap(sync.updateService),
    removeService: wrap(sync.removeService),
    destinations: wrap(sync.destinations),
    createDestination: wrap(sync.createDestination),
    updateDestination: wrap(sync.updateDestination),
    removeDestination: wrap(sync.removeDestination),
    changeAll: (changes) => okAsync(changes.map((c) => runChange(sync, c))),
    flush: wrap(sync.flush),
    syncDaemons: wrap(sync.syncDaemons),
    startSyncDaemon: wrap(sync.startSyncDaemon),
    stopSyncDaemon: wrap(sync.stopSyncDaemon),
    close() {
      closed = true;
    },
  };
}

/** One change as the single synchronous call it stands for. */
function runChange(sync: SyncIpvs, c: IpvsChange): Result<void, IpvsError> {
  switch (c.op) {
    case 'create-service':
      return sync.createService(c.service, c.config);
    case 'update-service':
      return sync.updateService(c.service, c.config);
    case 'remove-service':
      return sync.removeService(c.service);
    case 'create-destination':
      return sync.createDestination(c.service, c.destination, c.config);
    case 'update-destination':
      return sync.updateDestination(c.service, c.destination, c.config);
    case 'remove-destination':
      return sync.removeDestination(c.service, c.destination);
  }
}

const FORWARD_NAMES: Readonly<Record<DestinationConfig['forward'], string>> = {
  masquerade: 'Masq',
  route: 'Route',
  tunnel: 'Tunnel',
  local: 'Local',
  bypass: 'Bypass',
};

const hostPort = (address: string, port: number): string =>
  address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;

/** `ipvsadm -Ln` of the fake's state (header, then each service and its real servers). */
function listing(state: State): string {
  const lines = [
    'IP Virtual Server version 1.2.1 (size=4096)',
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
  ];
  for (const s of state.services.values()) {
    const id = s.id;
    const where =
      'fwmark' in id
        ? `FWM  ${id.fwmark}`
        : `${id.protocol.toUpperCase()}  ${hostPort(id.address, id.port)}`;
    lines.push(`${where} ${s.config.scheduler}`);
    for (const d of s.destinations.values()) {
      const to = hostPort(d.id.address, d.id.port).padEnd(28);
      lines.push(
        `  -> ${to} ${FORWARD_NAMES[d.config.forward].padEnd(7)} ${d.config.weight}      0          0`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

function checkDestination(
  service: ServiceId,
  id: DestinationId,
  config: DestinationConfig,
): IpvsError | undefined {
  const v = validateDestination(id, config);
  if (v.isErr()) return v.error;
  if (id.family !== service.family && config.forward !== 'tunnel') {
    return errnoError(ERRNO.EINVAL, 'mixed address families need tunnel forwarding');
  }
  if (config.lowerThreshold > config.upperThreshold) {
    return errnoError(ERRNO.ERANGE, 'lower threshold above upper threshold');
  }
  return undefined;
}

const destination = (id: DestinationId, config: DestinationConfig): IpvsDestination => ({
  id,
  config:
    config.forward === 'tunnel' && !config.tunnel
      ? { ...config, tunnel: { type: 'ipip', port: 0, flags: 0 } }
      : config,
  activeConnections: 0,
  inactiveConnections: 0,
  persistentConnections: 0,
  stats: ZERO_STATS,
});
