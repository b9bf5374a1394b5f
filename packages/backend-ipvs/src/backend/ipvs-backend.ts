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
  type ObservedState,
} from '@lbkit/core';
import { type AbstractLock, acquireAbstractLock, lockRefusal } from '@lbkit/netlink';
import { errAsync, ok, okAsync, ResultAsync } from 'neverthrow';
import type { IpvsClient } from '../client/client.js';
import { createIpvsClient } from '../client/netlink-client.js';
import { ensureSyncDaemons, stopSyncDaemons } from '../client/sync-daemons.js';
import { formatServiceId, isFwmarkService, type SyncDaemonState } from '../client/types.js';
import { diff, formatOp, type IpvsOp, type IpvsSnapshot, type ServiceState } from './diff.js';
import { countIpvsFlows } from './flow-count.js';
import { checkHoldVipsInterface, createHeldVips } from './held-vips.js';
import {
  DEFAULT_IPVS_DRIFT_CHECK_INTERVAL,
  type IpvsBackendOptions,
} from './ipvs-backend-options.js';
import { executeOps, fromIpvs, observe, snapshot } from './kernel-ops.js';
import { rtnetlinkLinkTable } from './link-table.js';
import { createLocalVips, type VipUse } from './local-vips.js';
import { IPVS_SCHEDULERS, toIpvsSnapshot } from './map-desired.js';
import { createFileOwnershipStore, defaultStateFile, type OwnershipRecord } from './ownership.js';
import { type LastApplied, quickChange } from './quick-change.js';
import { serviceKey } from './service-key.js';
import { vipUses } from './vip-uses.js';

export { DEFAULT_IPVS_DRIFT_CHECK_INTERVAL, type IpvsBackendOptions };

/** The lock name of an IPVS instance: one daemon per instance and namespace. */
export const instanceLockName = (instance: string): string => `lbkit/ipvs/${instance}`;

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
        const wantIds = new Set(want.services.map((s) => serviceKey(s.id)));
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
    Object.fromEntries(want.services.map((s) => [serviceKey(s.id), s.name ?? serviceKey(s.id)]));

  /** Runs the ops, recording ownership around them when the owned set changes. */
  const converge = (
    c: IpvsClient,
    record: OwnershipRecord,
    current: IpvsSnapshot,
    want: IpvsSnapshot,
  ): ResultAsync<readonly IpvsOp[], BackendError> => {
    const ops = diff(current, want);
    if (sameOwnedSet(record, want)) return new ResultAsync(executeOps(c, ops));
    // Record intent first: a crash midway still leaves these services ours.
    const intent: Record<string, string> = { ...record.services, ...namesOf(want) };
    return store
      .save({ services: intent })
      .andThen(() => {
        owned = { services: intent };
        return new ResultAsync(executeOps(c, ops));
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
      .andThen((c) => new ResultAsync(executeOps(c, quick.ops)))
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
          return new ResultAsync(executeOps(c, ops)).map(() => {
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
              return new ResultAsync(executeOps(c, ops));
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
