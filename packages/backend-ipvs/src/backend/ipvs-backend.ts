import {
  type ApplyReport,
  type Backend,
  type BackendCapabilities,
  type BackendError,
  backendError,
  type CloseOptions,
  type DesiredService,
  type DesiredState,
  type DriftReport,
  type ObservedService,
  type ObservedState,
} from '@lbkit/core';
import { type AbstractLock, acquireAbstractLock, lockRefusal, pacer } from '@lbkit/netlink';
import { err, errAsync, ok, okAsync, type Result, ResultAsync } from 'neverthrow';
import type { IpvsClient, IpvsError } from '../client/client.js';
import { createIpvsClient } from '../client/netlink-client.js';
import {
  ensureSyncDaemons,
  type SyncDaemonOptions,
  stopSyncDaemons,
} from '../client/sync-daemons.js';
import {
  formatServiceId,
  type IpvsService,
  isFwmarkService,
  type SyncDaemonState,
} from '../client/types.js';
import {
  diff,
  formatOp,
  type IpvsOp,
  type IpvsSnapshot,
  type ServiceState,
  sameServiceConfig,
} from './diff.js';
import { countIpvsFlows } from './flow-count.js';
import { checkHoldVipsInterface, createHeldVips } from './held-vips.js';
import { type LinkTable, rtnetlinkLinkTable } from './link-table.js';
import { type AddressTable, createLocalVips, type VipUse } from './local-vips.js';
import { IPVS_SCHEDULERS, type MappingOptions, toIpvsSnapshot } from './map-desired.js';
import {
  createFileOwnershipStore,
  defaultStateFile,
  type OwnershipRecord,
  type OwnershipStore,
} from './ownership.js';
import { type LastApplied, quickChange } from './quick-change.js';
import { serviceKey } from './service-key.js';
import { vipUses } from './vip-uses.js';

/** Options for `createIpvsBackend`. Mapping options (forward, zeroWeight, ...) are in `MappingOptions`. */
export interface IpvsBackendOptions extends MappingOptions {
  /** IPVS client to use. Default: `createIpvsClient({ netns })`, opened on first use. */
  readonly client?: IpvsClient;
  /** Network namespace for the default client (a name under /run/netns). Default: the current one. */
  readonly netns?: string;
  /** Instance name, used in the default state file name. Default `default`. */
  readonly instance?: string;
  /** Where ownership is kept. Default: `createFileOwnershipStore(/run/lbkit/ipvs-<instance>.json)`. */
  readonly ownership?: OwnershipStore;
  /**
   * Take over a desired service that already exists in IPVS but was not created
   * by this instance. Default false: such a service is a `rejected` error and is
   * left untouched.
   */
  readonly adoptExisting?: boolean;
  /** Close the client when the backend closes. Default true. */
  readonly closeClient?: boolean;
  /**
   * Dump every owned service's destinations on every apply. Default false: after a
   * successful apply the destinations it set are remembered, and the next apply
   * dumps only the service list (one request) plus the destinations of services
   * whose kernel configuration differs from what was set; any failure forgets
   * the memory, so the following apply re-reads everything and repairs. Set true
   * when other tools may edit lbkit's real servers behind its back.
   */
  readonly verifyDestinations?: boolean;
  /**
   * How often (ms) the kernel is read back: the balancer runs `checkDrift`
   * this often (one service dump plus one destination dump per owned
   * service; what differs from the last apply — `ipvsadm -C`, a removed real
   * server, a changed weight or scheduler — is put back), and an apply
   * re-reads before computing its operations when the last read is older.
   * Between reads, an apply that only changes services this instance already
   * set (a flip, a drain) diffs against what it last applied and sends just
   * the needed requests: its cost does not grow with the number of services.
   * An apply that adds a service always re-reads first (to refuse services
   * lbkit does not own). `0` = re-read on every apply, no periodic check.
   * Default 5000.
   */
  readonly driftCheckInterval?: number;
  /**
   * Hold the instance lock (an abstract unix socket `lbkit/ipvs/<instance>` in
   * the IPVS namespace, freed by the kernel when the process dies) from the
   * first apply on, so a second daemon of the same instance fails with
   * `busy`. Default: true unless a `client` is passed in.
   */
  readonly lock?: boolean;
  /** Clock for drift scheduling (ms). Default `Date.now`. */
  readonly now?: () => number;
  /**
   * Run the kernel's connection sync daemons (master and backup) on this
   * link, started at the first apply (a pair: connections survive a
   * takeover); stopped by `close({ keep: false })`. Default: none.
   */
  readonly syncDaemon?: SyncDaemonOptions;
  /**
   * Check that every VIP is a local address of the IPVS namespace (one
   * rtnetlink address dump whenever the set of VIPs changes): IPVS sees only
   * packets to local addresses, so a VIP that is merely routed here balances
   * nothing. Each VIP found not local is an `ApplyReport.warnings` line (the
   * balancer's `warning` event), said once until it changes; the apply itself
   * goes on. Not run with `holdVips` (every VIP is then held, so local).
   * Default: true unless a `client` is passed in.
   */
  readonly checkVips?: boolean;
  /** The address table (a seam for tests). Default: rtnetlink in `netns`. */
  readonly addressTable?: AddressTable;
  /**
   * Hold every desired service's VIP on this dummy link of the IPVS
   * namespace, as kube-proxy holds its ClusterIPs on `kube-ipvs0`, so that
   * every VIP is local. The link is the backend's: created (kept down: its
   * addresses are local all the same) at the first apply, a /32 or /128
   * added for each VIP before the IPVS services using it are added, deleted
   * after the last such service is removed; only when the set of VIPs
   * changes (a flip sends nothing more). `close({ keep: false })` deletes
   * the link, `close({ keep: true })` leaves it. No other interface is ever
   * touched. `interface`: 1 to 15 of `A-Z a-z 0-9 _ . -`, not `.` or `..`
   * (else every apply is `rejected`); a link of that name that is not a
   * dummy makes the apply `rejected` with nothing changed. Needs the
   * kernel's `dummy` driver. Default: none (VIPs are the operator's).
   */
  readonly holdVips?: { readonly interface: string };
  /** The link table for `holdVips` (a seam for tests). Default: rtnetlink in `netns`. */
  readonly linkTable?: LinkTable;
}

/** Default of `IpvsBackendOptions.driftCheckInterval`. */
export const DEFAULT_IPVS_DRIFT_CHECK_INTERVAL = 5000;

/** The lock name of an IPVS instance: one daemon per instance and namespace. */
export const instanceLockName = (instance: string): string => `lbkit/ipvs/${instance}`;

const fromIpvs = (e: IpvsError, prefix = ''): BackendError =>
  backendError(
    e.kind === 'unavailable' || e.kind === 'permission'
      ? 'unavailable'
      : e.kind === 'parse'
        ? 'parse'
        : 'rejected',
    `${prefix}${e.message}`,
    { cause: e },
  );

/**
 * What an op's failure means once the kernel answered: a create that found its
 * object present becomes an update (idempotent), a remove that found nothing
 * is done; anything else stays a failure.
 */
function settleOp(client: IpvsClient, op: IpvsOp, error: IpvsError): ResultAsync<void, IpvsError> {
  switch (op.op) {
    case 'create-service':
      return error.kind === 'exists'
        ? client.updateService(op.service, op.config)
        : errAsync(error);
    case 'create-destination':
      return error.kind === 'exists'
        ? client.updateDestination(op.service, op.destination, op.config)
        : errAsync(error);
    case 'remove-service':
    case 'remove-destination':
      return error.kind === 'not-found' ? okAsync(undefined) : errAsync(error);
    default:
      return errAsync(error);
  }
}

/**
 * Reads the given services with their destinations (one dump per service). A
 * service found in `known` with the same configuration reuses its remembered
 * destinations instead of a dump.
 */
async function snapshot(
  client: IpvsClient,
  services: readonly IpvsService[],
  names: Readonly<Record<string, string>>,
  known?: ReadonlyMap<string, ServiceState>,
): Promise<Result<IpvsSnapshot, IpvsError>> {
  const out: ServiceState[] = [];
  // One dump per service: the event loop runs between them (10,000 take seconds).
  const pace = pacer();
  for (const s of services) {
    const paused = pace();
    if (paused) await paused;
    const id = formatServiceId(s.id);
    const remembered = known?.get(id);
    let destinations: ServiceState['destinations'];
    if (remembered && sameServiceConfig(remembered.config, s.config)) {
      destinations = remembered.destinations;
    } else {
      const dests = await client.destinations(s.id);
      if (dests.isErr()) return err(dests.error);
      destinations = dests.value.map((d) => ({ id: d.id, config: d.config }));
    }
    const name = names[id];
    out.push({ id: s.id, config: s.config, destinations, ...(name === undefined ? {} : { name }) });
  }
  return ok({ services: out });
}

/**
 * lbkit's IPVS backend. `apply` converges the services this instance owns to the
 * desired state with ordered, idempotent netlink requests (IPVS has no
 * transactions): a failure midway returns `partial` with the ops done and not
 * done, and the next apply repairs from what the kernel really has. Services it
 * did not create are never touched (see `adoptExisting`). Ownership is kept in
 * the `ownership` store so a restarted daemon adopts its own services.
 * `read()` reports every TCP/UDP service in the namespace (names for owned ones).
 */
export function createIpvsBackend(options: IpvsBackendOptions = {}): Backend {
  const instance = options.instance ?? 'default';
  const store =
    options.ownership ?? createFileOwnershipStore(defaultStateFile(options.instance ?? 'default'));
  let client: IpvsClient | undefined = options.client;
  let owned: OwnershipRecord | undefined;
  let closed = false;
  /** Desired services mapped before, handed back by identity (the diff skips them). */
  const mapped = new WeakMap<DesiredService, ServiceState>();
  /** Services as the last successful apply left them; dropped on any failure. */
  let applied: Map<string, ServiceState> | undefined;
  /** The last successful apply's desired state and mapping (a quick change starts from it). */
  let last: LastApplied | undefined;
  const now = options.now ?? Date.now;
  const driftCheckInterval = options.driftCheckInterval ?? DEFAULT_IPVS_DRIFT_CHECK_INTERVAL;
  /** When the kernel was last read by an apply. */
  let lastRead = Number.NEGATIVE_INFINITY;

  let lock: AbstractLock | undefined;
  /** Sync daemons this backend started (stopped again on close without keep). */
  let syncStarted: SyncDaemonState[] | undefined;
  const ensureSync = (c: IpvsClient): ResultAsync<IpvsClient, BackendError> =>
    options.syncDaemon === undefined || syncStarted !== undefined
      ? okAsync(c)
      : ensureSyncDaemons(c, options.syncDaemon)
          .map((started) => {
            syncStarted = started;
            return c;
          })
          .mapErr((e) => fromIpvs(e, 'IPVS sync daemon: '));
  let queue: Promise<unknown> = Promise.resolve();
  /** rtnetlink in the IPVS namespace, for the local check or for holding VIPs (opened on first use). */
  const routeTable = rtnetlinkLinkTable(options.netns);
  const holdName =
    options.holdVips === undefined ? undefined : checkHoldVipsInterface(options.holdVips.interface);
  const heldVips = holdName?.isOk()
    ? createHeldVips(holdName.value, options.linkTable ?? routeTable)
    : undefined;
  const localVips =
    options.holdVips === undefined && (options.checkVips ?? options.client === undefined)
      ? createLocalVips(options.addressTable ?? routeTable)
      : undefined;

  /** After a successful apply: the VIPs that are not local (`ApplyReport.warnings`). */
  const warningsOf = (vips: ReadonlyMap<string, VipUse>): { warnings?: readonly string[] } => {
    const warnings = localVips?.check(vips) ?? [];
    return warnings.length > 0 ? { warnings } : {};
  };
  /** Before the IPVS changes: the held VIPs on the link (addresses added). */
  const holdFirst = (vips: ReadonlyMap<string, VipUse>): ResultAsync<number, BackendError> => {
    const held = heldVips?.hold(vips) ?? ok(0);
    return held.isOk() ? okAsync(held.value) : errAsync(held.error);
  };
  /** After the IPVS changes: addresses no VIP uses any more off the link (addresses deleted). */
  const releaseAfter = (vips: ReadonlyMap<string, VipUse>): ResultAsync<number, BackendError> => {
    const released = heldVips?.release(vips) ?? ok(0);
    return released.isOk() ? okAsync(released.value) : errAsync(released.error);
  };

  /** Applies, drift checks and closes never interleave. */
  const serial = <T>(work: () => ResultAsync<T, BackendError>): ResultAsync<T, BackendError> => {
    const run = queue.then(
      () => work(),
      () => work(),
    );
    queue = run.catch(() => undefined);
    return new ResultAsync(run);
  };

  /** Takes the instance lock before the first change (reads need none). */
  const takeLock = (): ResultAsync<void, BackendError> => {
    if (lock || !(options.lock ?? options.client === undefined)) return okAsync(undefined);
    const taken = acquireAbstractLock(instanceLockName(instance), {
      ...(options.netns === undefined ? {} : { netns: options.netns }),
    });
    if (taken.isOk()) {
      lock = taken.value;
      return okAsync(undefined);
    }
    const refusal = lockRefusal(`IPVS instance ${instance}`, 'instance', taken.error);
    return errAsync(backendError(refusal.kind, refusal.message));
  };

  const capabilities: BackendCapabilities = {
    weights: true,
    keepsDrained: options.zeroWeight !== 'remove',
    ipv6: true,
    udp: true,
    schedulers: IPVS_SCHEDULERS,
  };

  const getClient = (): ResultAsync<IpvsClient, BackendError> => {
    if (client) return okAsync(client);
    return createIpvsClient(options.netns === undefined ? {} : { netns: options.netns })
      .map((c) => {
        client = c;
        return c;
      })
      .mapErr((e) => fromIpvs(e, 'IPVS client: '));
  };
  const getOwned = (): ResultAsync<OwnershipRecord, BackendError> =>
    owned ? okAsync(owned) : store.load().map((r) => (owned = r));

  const sameOwnedSet = (record: OwnershipRecord, want: IpvsSnapshot): boolean => {
    const ids = Object.keys(record.services);
    return (
      ids.length === want.services.length &&
      want.services.every((s) => serviceKey(s.id) in record.services)
    );
  };

  /**
   * Without a kernel read: what the last apply left, when it is recent enough
   * and `want` adds no service (a new one must be checked against foreign ones).
   */
  const rememberedState = (
    want: IpvsSnapshot,
    known: ReadonlyMap<string, ServiceState> | undefined,
  ): IpvsSnapshot | undefined => {
    if (!known || options.verifyDestinations || now() - lastRead >= driftCheckInterval) {
      return undefined;
    }
    if (!want.services.every((s) => known.has(serviceKey(s.id)))) return undefined;
    return { services: [...known.values()] };
  };

  /** Reads the owned services from the kernel, refusing foreign ones that `want` names. */
  const readState = (
    c: IpvsClient,
    record: OwnershipRecord,
    want: IpvsSnapshot,
    previous: ReadonlyMap<string, ServiceState> | undefined,
  ): ResultAsync<IpvsSnapshot, BackendError> =>
    c
      .services()
      .mapErr((e) => fromIpvs(e))
      .andThen((all) => {
        const wantIds = new Set(want.services.map((s) => formatServiceId(s.id)));
        const foreign = all.filter((s) => {
          const id = formatServiceId(s.id);
          return wantIds.has(id) && !(id in record.services);
        });
        if (foreign.length > 0 && !options.adoptExisting) {
          const ids = foreign.map((s) => formatServiceId(s.id)).join(', ');
          return errAsync(
            backendError(
              'rejected',
              `IPVS services exist that lbkit did not create: ${ids} (set adoptExisting to take them over)`,
            ),
          );
        }
        const mine = all.filter(
          (s) => wantIds.has(formatServiceId(s.id)) || formatServiceId(s.id) in record.services,
        );
        const known = options.verifyDestinations ? undefined : previous;
        lastRead = now();
        return new ResultAsync(snapshot(c, mine, record.services, known)).mapErr((e) =>
          fromIpvs(e),
        );
      });

  const namesOf = (want: IpvsSnapshot): Record<string, string> =>
    Object.fromEntries(
      want.services.map((s) => [formatServiceId(s.id), s.name ?? formatServiceId(s.id)]),
    );

  /** Runs the ops, recording ownership around them when the owned set changes. */
  const converge = (
    c: IpvsClient,
    record: OwnershipRecord,
    current: IpvsSnapshot,
    want: IpvsSnapshot,
  ): ResultAsync<readonly IpvsOp[], BackendError> => {
    const ops = diff(current, want);
    if (sameOwnedSet(record, want)) return new ResultAsync(execute(c, ops));
    // Record intent first: a crash midway still leaves these services ours.
    const intent: Record<string, string> = { ...record.services, ...namesOf(want) };
    return store
      .save({ services: intent })
      .andThen(() => {
        owned = { services: intent };
        return new ResultAsync(execute(c, ops));
      })
      .andThen((done) => {
        const final = namesOf(want);
        return store.save({ services: final }).map(() => {
          owned = { services: final };
          return done;
        });
      });
  };

  /**
   * A health change through the replaced entries only (`quickChange`), when
   * nothing needs a kernel read (as `rememberedState`) and no service, VIP
   * or owner changes; `undefined` otherwise.
   */
  const applyQuick = (
    desired: DesiredState,
    started: number,
  ): ResultAsync<ApplyReport, BackendError> | undefined => {
    const previous = applied;
    if (!last || !previous || options.verifyDestinations) return undefined;
    if (now() - lastRead >= driftCheckInterval) return undefined;
    const quick = quickChange(last, desired, (state) => toIpvsSnapshot(state, options, mapped));
    if (!quick) return undefined;
    applied = undefined;
    last = undefined;
    return takeLock()
      .andThen(getClient)
      .andThen((c) => new ResultAsync(execute(c, quick.ops)))
      .map((ops) => {
        for (const s of quick.replaced) previous.set(serviceKey(s.id), s);
        applied = previous;
        last = { desired, want: quick.want };
        return {
          operations: ops.length,
          durationMs: performance.now() - started,
          changedServices: [...new Set(ops.map((o) => o.name ?? formatServiceId(o.service)))],
        };
      });
  };

  const applyNow = (desired: DesiredState): ResultAsync<ApplyReport, BackendError> => {
    if (closed) return errAsync(backendError('closed', 'IPVS backend is closed'));
    if (holdName?.isErr()) return errAsync(holdName.error);
    const started = performance.now();
    const quick = applyQuick(desired, started);
    if (quick) return quick;
    const target = toIpvsSnapshot(desired, options, mapped);
    if (target.isErr()) return errAsync(target.error);
    const want = target.value;
    // O(services): only for the local check or the holding.
    const vips = localVips || heldVips ? vipUses(desired) : new Map<string, VipUse>();
    return takeLock()
      .andThen(getClient)
      .andThen(ensureSync)
      .andThen((c) =>
        getOwned().andThen((record) => {
          // Forgotten until this apply succeeds: any failure makes the next one re-read.
          const previous = applied;
          applied = undefined;
          last = undefined;
          const remembered = rememberedState(want, previous);
          const current = remembered ? okAsync(remembered) : readState(c, record, want, previous);
          return current
            .andThen((state) =>
              holdFirst(vips).andThen((added) =>
                converge(c, record, state, want).map((ops) => ({ ops, added })),
              ),
            )
            .andThen(({ ops, added }) => {
              applied = new Map(want.services.map((x) => [serviceKey(x.id), x]));
              last = { desired, want };
              return releaseAfter(vips).map((deleted) => ({
                operations: ops.length + added + deleted,
                durationMs: performance.now() - started,
                changedServices: [...new Set(ops.map((o) => o.name ?? formatServiceId(o.service)))],
                ...warningsOf(vips),
              }));
            });
        }),
      );
  };

  /**
   * Runs `ops` in order, many per socket write (`changeAll`). The kernel runs
   * every one, so a failed op does not stop the later ones: the report lists
   * what was applied as done and the rest as not done.
   */
  const execute = async (
    c: IpvsClient,
    ops: readonly IpvsOp[],
  ): Promise<Result<readonly IpvsOp[], BackendError>> => {
    const answers = await c.changeAll(ops);
    if (answers.isErr()) return err(fromIpvs(answers.error, ''));
    const done: IpvsOp[] = [];
    const notDone: IpvsOp[] = [];
    let failure: { op: IpvsOp; error: IpvsError } | undefined;
    for (const [i, answer] of answers.value.entries()) {
      const op = ops[i]!;
      const settled = answer.isOk() ? answer : await settleOp(c, op, answer.error);
      if (settled.isOk()) done.push(op);
      else {
        notDone.push(op);
        failure ??= { op, error: settled.error };
      }
    }
    if (!failure) return ok(ops);
    const base = fromIpvs(failure.error, `${formatOp(failure.op)}: `);
    if (done.length === 0 && base.kind !== 'rejected') return err(base);
    return err(
      backendError(
        done.length === 0 ? 'rejected' : 'partial',
        `${done.length} of ${ops.length} IPVS operations applied; ${base.message}`,
        { done: done.map(formatOp), notDone: notDone.map(formatOp), cause: failure.error },
      ),
    );
  };

  /** Reads every owned service back and puts back what differs from the last apply. */
  const checkNow = (): ResultAsync<DriftReport, BackendError> => {
    if (closed) return errAsync(backendError('closed', 'IPVS backend is closed'));
    const started = performance.now();
    const report = (found: readonly string[], method: DriftReport['method'], repaired = false) =>
      ({ found, repaired, method, durationMs: performance.now() - started }) as const;
    const kept = applied;
    if (!kept) return okAsync(report([], 'none'));
    const want: IpvsSnapshot = { services: [...kept.values()] };
    return getClient().andThen((c) =>
      getOwned().andThen((record) =>
        readState(c, record, want, undefined).andThen((current) => {
          const ops = diff(current, want);
          if (ops.length === 0) return okAsync(report([], 'read'));
          const found = ops.map(formatOp);
          const shown =
            found.length > 20 ? [...found.slice(0, 20), `and ${found.length - 20} more`] : found;
          applied = undefined;
          return new ResultAsync(execute(c, ops)).map(() => {
            applied = kept;
            return report(shown, 'read', true);
          });
        }),
      ),
    );
  };

  const read = (): ResultAsync<ObservedState, BackendError> =>
    getClient().andThen((c) =>
      getOwned().andThen((record) =>
        c
          .services()
          .andThen(
            (all) =>
              new ResultAsync(
                snapshot(
                  c,
                  all.filter((s) => !isFwmarkService(s.id)),
                  record.services,
                ),
              ),
          )
          .mapErr((e) => fromIpvs(e))
          .map((snap) => ({ services: snap.services.flatMap(observe) })),
      ),
    );

  const closeNow = (closeOptions: CloseOptions = {}): ResultAsync<void, BackendError> => {
    if (closed) return okAsync(undefined);
    const finish = (): void => {
      closed = true;
      applied = undefined;
      localVips?.close();
      heldVips?.close();
      if (options.closeClient !== false) client?.close();
      lock?.release();
    };
    if (closeOptions.keep) {
      finish();
      return okAsync(undefined);
    }
    // Removing needs the lock: another daemon of this instance may own these services now.
    return takeLock()
      .orElse((e) => {
        finish();
        return errAsync(e);
      })
      .andThen(getClient)
      .andThen((c) =>
        stopSyncDaemons(c, syncStarted ?? [])
          .mapErr((e) => fromIpvs(e, 'IPVS sync daemon: '))
          .map(() => c),
      )
      .andThen((c) =>
        getOwned().andThen((record) =>
          c
            .services()
            .mapErr((e) => fromIpvs(e))
            .andThen((all) => {
              const ops: IpvsOp[] = all
                .filter((s) => formatServiceId(s.id) in record.services)
                .map((s) => ({ op: 'remove-service', service: s.id }));
              return new ResultAsync(execute(c, ops));
            }),
        ),
      )
      .andThen(() => store.clear())
      .andThen(() => {
        owned = { services: {} };
        // After the services: the link goes, and its addresses with it.
        const removed = heldVips?.remove() ?? ok(undefined);
        finish();
        return removed.isOk() ? okAsync(undefined) : errAsync(removed.error);
      });
  };

  return {
    name: 'ipvs',
    capabilities,
    driftCheckIntervalMs: driftCheckInterval,
    apply: (desired) => serial(() => applyNow(desired)),
    read,
    checkDrift: () => serial(checkNow),
    countFlows: (queries) =>
      closed
        ? errAsync(backendError('closed', 'IPVS backend is closed'))
        : getClient().andThen((c) =>
            new ResultAsync(countIpvsFlows(c, queries)).mapErr((e) =>
              e.kind === 'invalid' ? backendError('rejected', e.message) : fromIpvs(e),
            ),
          ),
    close: (closeOptions) => serial(() => closeNow(closeOptions)),
  };
}

function observe(s: ServiceState): ObservedService[] {
  if (isFwmarkService(s.id) || s.id.protocol === 'sctp') return [];
  return [
    {
      key: { vip: s.id.address, port: s.id.port, protocol: s.id.protocol },
      ...(s.name === undefined ? {} : { name: s.name }),
      scheduler: s.config.scheduler,
      destinations: s.destinations.map((d) => ({
        address: d.id.address,
        port: d.id.port,
        weight: d.config.weight,
      })),
    },
  ];
}
