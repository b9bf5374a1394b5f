import { err, ok, okAsync, type Result, ResultAsync } from 'neverthrow';
import type { ApplyReport, Backend, BackendError } from './backend.js';
import type {
  AdminState,
  Balancer,
  BalancerError,
  BalancerEvents,
  ConfigChange,
  DestinationStatus,
  DestinationView,
  ServiceView,
} from './balancer-types.js';
import type { DesiredService, DesiredState } from './desired.js';
import { createDrainWatcher, resolveDrainOptions } from './drain-watch.js';
import { TypedEmitter } from './events.js';
import { checkFor, stableJson } from './health/check-key.js';
import { createHealthEngine } from './health/engine.js';
import type { CheckStatus } from './health/types.js';
import type { Destination, Service } from './model.js';
import { effectiveWeight, type Planned, planFull, replan } from './plan.js';
import type { ProbeFactory } from './probe.js';
import { quorumOf, quorumTransitions } from './quorum.js';
import { createReconciler, type RetryOptions } from './reconciler.js';
import { checkServiceSet } from './service-set.js';
import { createSlowStart, standingOf } from './slow-start.js';
import { changedEntries } from './state-derivation.js';

/** Options for `createBalancer`. */
export interface BalancerOptions {
  /** Validated services (see the config loaders and `validateServices`). */
  readonly services: readonly Service[];
  /** Where the desired state goes (nftables, IPVS, a fake). */
  readonly backend: Backend;
  /** Builds probes from specs, e.g. `createProbe` from `@lbkit/probes`. */
  readonly probes: ProbeFactory;
  /** Probes running at once, shared by every check. Default 256. */
  readonly concurrency?: number;
  /** Backoff of failed applies. Defaults: 200 ms doubling up to 10 s. */
  readonly retry?: RetryOptions;
  /** Stall report threshold; default three times the longest interval, at least 5 s. */
  readonly watchdogMs?: number;
  /** Random source for start jitter. Default `Math.random`. */
  readonly random?: () => number;
}

const refKey = (service: string, destination: string): string => `${service}\u0000${destination}`;

/** True when a service has no destination that can take a new flow. */
const isEmptyService = (service: DesiredService): boolean =>
  !service.destinations.some((d) => d.weight > 0);

/**
 * Creates a balancer: probes every destination, computes `plan()` on each
 * health change and keeps the backend in step (single-flight, coalesced,
 * retried). Nothing runs until `start()`.
 */
export function createBalancer(options: BalancerOptions): Balancer {
  const emitter = new TypedEmitter<BalancerEvents>();
  const services = new Map<string, Service>(options.services.map((s) => [s.name, s]));
  const admin = new Map<string, AdminState>();
  /** check key -> the (service, destination) pairs it serves */
  let users = new Map<string, Array<{ service: string; destination: string }>>();
  /** (service, destination) -> its check key, kept by `syncChecks` so plan() hashes nothing */
  let checkKeys = new Map<string, string>();
  let lastApplied: DesiredState | undefined;
  /** The last plan, reused by `replan()` for every service not in `dirty`. */
  let planned: Planned | undefined;
  /** Services whose object, or a destination status, changed since `planned`. */
  const dirty = new Set<string>();
  let started = false;
  let stopped = false;
  let driftTimer: NodeJS.Timeout | undefined;
  let driftCheck: Promise<void> | undefined;
  let lastDriftError: string | undefined;

  const engine = createHealthEngine({
    probes: options.probes,
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.watchdogMs !== undefined ? { watchdogMs: options.watchdogMs } : {}),
    ...(options.random !== undefined ? { random: options.random } : {}),
  });

  const checkKeyOf = (service: Service, destination: Destination): string =>
    checkKeys.get(refKey(service.name, destination.name)) ?? checkFor(service, destination).key;

  const statusOf = (service: Service, destination: Destination): DestinationStatus =>
    withDynamic(
      service.name,
      destination.name,
      engine.status(checkKeyOf(service, destination)),
      admin.get(refKey(service.name, destination.name)) ?? 'enabled',
      service.health.initial,
    );

  /** Each step of a slow-start ramp re-plans its service: one transaction. */
  const slowStart = createSlowStart({
    onStep: (service) => {
      dirty.add(service);
      if (started && !stopped) reconciler.trigger();
    },
  });

  /** A status with what the agent said and the slow-start factor (dynamic-weight.ts). */
  const withDynamic = (
    service: string,
    destination: string,
    check: CheckStatus | undefined,
    adminState: AdminState,
    initial: Service['health']['initial'],
  ): DestinationStatus => {
    const ramp = slowStart.factor(service, destination);
    return {
      health: check?.state ?? initial,
      admin: adminState,
      ...(check?.agent ? { agent: check.agent } : {}),
      ...(ramp < 1 ? { ramp } : {}),
    };
  };

  /** Tells slow start where each destination of a changed service stands now. */
  const observeRamps = (name: string): void => {
    const service = services.get(name);
    if (service === undefined) return;
    for (const d of service.destinations) {
      const standing = standingOf(service, d, lookup(name, d.name));
      slowStart.observe(name, d.name, standing, service.slowStart ?? 0);
    }
  };

  /** O(1): `checkKeys` (kept by `syncChecks`) holds exactly the configured destinations. */
  const lookup = (serviceName: string, destinationName: string): DestinationStatus | undefined => {
    const service = services.get(serviceName);
    const ref = refKey(serviceName, destinationName);
    const key = checkKeys.get(ref);
    if (service === undefined || key === undefined) return undefined;
    return withDynamic(
      serviceName,
      destinationName,
      engine.status(key),
      admin.get(ref) ?? 'enabled',
      service.health.initial,
    );
  };

  /** O(changed): re-plans the dirty services only, reusing every other desired service object. */
  const desired = (): DesiredState => {
    if (started) for (const name of dirty) observeRamps(name);
    planned =
      planned === undefined
        ? planFull(services.values(), lookup)
        : replan(planned, services, lookup, dirty);
    dirty.clear();
    return planned.state;
  };

  const emitEmptiness = (next: DesiredState): void => {
    const previous = lastApplied?.services;
    const known = lastApplied && changedEntries(lastApplied, next);
    if (previous !== undefined && known) {
      for (const i of known) emitEmptinessChange(previous[i]!, next.services[i]!);
      return;
    }
    if (previous !== undefined && previous.length === next.services.length) {
      // Same names in the same order unless an entry differs: compare only the replaced entries.
      const changedAt: number[] = [];
      for (let i = 0; i < previous.length; i++)
        if (next.services[i] !== previous[i]) changedAt.push(i);
      if (changedAt.every((i) => previous[i]!.name === next.services[i]!.name)) {
        for (const i of changedAt) emitEmptinessChange(previous[i]!, next.services[i]!);
        return;
      }
    }
    const before = new Map(previous?.map((s) => [s.name, isEmptyService(s)]));
    for (const service of next.services) {
      const wasEmpty = before.get(service.name);
      const isEmpty = isEmptyService(service);
      if (wasEmpty === undefined || wasEmpty === isEmpty) continue;
      emitter.emit(isEmpty ? 'empty' : 'nonEmpty', { service: service.name });
    }
  };

  const emitEmptinessChange = (before: DesiredService, after: DesiredService): void => {
    const wasEmpty = isEmptyService(before);
    const isEmpty = isEmptyService(after);
    if (wasEmpty !== isEmpty) emitter.emit(isEmpty ? 'empty' : 'nonEmpty', { service: after.name });
  };

  const emitWarnings = (report: ApplyReport): void => {
    for (const message of report.warnings ?? [])
      emitter.emit('warning', { source: 'backend', message });
  };

  const reconciler = createReconciler({
    backend: options.backend,
    compute: desired,
    ...(options.retry ? { retry: options.retry } : {}),
    onApplied: (report, state) => {
      emitEmptiness(state);
      for (const t of quorumTransitions(lastApplied, state)) {
        const sorry = services.get(t.service)?.sorry?.name;
        const { met, ...payload } = t;
        if (met) emitter.emit('quorumRegained', payload);
        else emitter.emit('quorumLost', { ...payload, ...(sorry ? { sorry } : {}) });
      }
      lastApplied = state;
      emitter.emit('applied', { report, desired: state });
      emitWarnings(report);
    },
    onFailed: (error, attempt, retryInMs) =>
      emitter.emit('applyFailed', { error, attempt, retryInMs }),
  });

  const syncChecks = (): void => {
    const next = new Map<string, Array<{ service: string; destination: string }>>();
    const keys = new Map<string, string>();
    const checks = [];
    for (const service of services.values()) {
      for (const destination of service.destinations) {
        const check = checkFor(service, destination);
        const list = next.get(check.key) ?? [];
        if (list.length === 0) checks.push(check);
        list.push({ service: service.name, destination: destination.name });
        next.set(check.key, list);
        keys.set(refKey(service.name, destination.name), check.key);
      }
    }
    users = next;
    checkKeys = keys;
    if (started) engine.update(checks);
  };

  engine.on('transition', (t) => {
    for (const ref of users.get(t.key) ?? []) {
      dirty.add(ref.service);
      emitter.emit('health', {
        ...ref,
        from: t.from,
        to: t.to,
        reason: t.reason,
        result: t.result,
      });
    }
    reconciler.trigger();
  });
  engine.on('result', ({ key, result }) => {
    for (const ref of users.get(key) ?? []) emitter.emit('check', { ...ref, result });
  });
  engine.on('agent', ({ key }) => {
    for (const ref of users.get(key) ?? []) dirty.add(ref.service);
    reconciler.trigger();
  });
  engine.on('ready', () => emitter.emit('ready', {}));
  engine.on('watchdog', (w) => emitter.emit('watchdog', w));

  const changed = (change: ConfigChange): Result<ConfigChange, BalancerError> => {
    syncChecks();
    // Operator states of destinations that are gone are forgotten.
    for (const key of admin.keys()) if (!checkKeys.has(key)) admin.delete(key);
    drains.cancelGone((service, destination) => !checkKeys.has(refKey(service, destination)));
    if (started) reconciler.trigger();
    emitter.emit('configChanged', change);
    return ok(change);
  };

  /** Replaces the service set after checking it; the single path of every config change. */
  const replace = (next: readonly Service[]): Result<ConfigChange, BalancerError> => {
    if (stopped) return err({ kind: 'stopped', message: 'balancer is stopped' });
    const checked = checkServiceSet(next);
    if (checked.isErr()) return err(checked.error);
    const before = new Map(services);
    const after = new Map(checked.value.map((s) => [s.name, s]));
    for (const [name, service] of before) if (after.get(name) !== service) dirty.add(name);
    for (const name of after.keys()) if (!before.has(name)) dirty.add(name);
    const change: ConfigChange = {
      added: [...after.keys()].filter((n) => !before.has(n)),
      removed: [...before.keys()].filter((n) => !after.has(n)),
      updated: [...after.keys()].filter(
        (n) => before.has(n) && stableJson(before.get(n)) !== stableJson(after.get(n)),
      ),
    };
    services.clear();
    for (const [name, service] of after) services.set(name, service);
    // A ramp ends with its service: removed or updated destinations get their full weight.
    for (const name of [...change.removed, ...change.updated]) slowStart.forget(name);
    return changed(change);
  };

  /** Timed drains (`drain(…, { until })`): removal once idle or out of time. */
  const drains = createDrainWatcher({
    ...(options.backend.countFlows
      ? { countFlows: (queries) => options.backend.countFlows!(queries) }
      : {}),
    target: (service, destination) => {
      const s = services.get(service);
      const d = s?.destinations.find((x) => x.name === destination);
      return s && d ? { service: s.key, address: d.address, port: d.port } : undefined;
    },
    drainApplied: (service, destination) => {
      const d = lastApplied?.services
        .find((x) => x.name === service)
        ?.destinations.find((x) => x.name === destination);
      return d === undefined || d.weight === 0;
    },
    remove: (service, destination) => void setAdmin(service, destination, 'disabled'),
    emit: (event, payload) => emitter.emit(event, payload),
  });

  const findDestination = (service: string, destination: string): Result<void, BalancerError> => {
    const s = services.get(service);
    if (!s) return err({ kind: 'not-found', message: `no service "${service}"` });
    if (!s.destinations.some((d) => d.name === destination)) {
      return err({
        kind: 'not-found',
        message: `service "${service}" has no destination "${destination}"`,
      });
    }
    return ok(undefined);
  };

  const setAdmin = (
    service: string,
    destination: string,
    state: AdminState,
  ): Result<void, BalancerError> =>
    findDestination(service, destination).map((): undefined => {
      admin.set(refKey(service, destination), state);
      dirty.add(service);
      if (started) reconciler.trigger();
      return undefined;
    });

  const withService = (
    name: string,
    edit: (s: Service) => Result<Service, BalancerError>,
  ): Result<ConfigChange, BalancerError> => {
    const current = services.get(name);
    if (!current) return err({ kind: 'not-found', message: `no service "${name}"` });
    return edit(current).andThen((s) =>
      replace([...services.values()].map((x) => (x.name === name ? s : x))),
    );
  };

  const view = (service: Service): ServiceView => {
    const quorum = quorumOf(service, (_s, d) => {
      const found = service.destinations.find((x) => x.name === d);
      return found ? statusOf(service, found) : undefined;
    });
    const destinations: DestinationView[] = service.destinations.map((d) => {
      const status = statusOf(service, d);
      const check = engine.status(checkKeyOf(service, d));
      const weight = effectiveWeight(service, d, status);
      return {
        name: d.name,
        address: d.address,
        port: d.port,
        weight: d.weight,
        ...status,
        since: check?.since ?? 0,
        successes: check?.successes ?? 0,
        failures: check?.failures ?? 0,
        ...(check?.lastResult ? { lastResult: check.lastResult } : {}),
        serving: weight !== undefined && weight > 0 && quorum?.met !== false,
      };
    });
    const sorryServing = quorum?.met === false && service.sorry !== undefined;
    return {
      service,
      destinations,
      empty: !sorryServing && !destinations.some((d) => d.serving),
      ...(quorum ? { quorumStatus: quorum } : {}),
    };
  };

  /** One drift check (never two at once); repairs are the backend's, in one transaction. */
  const checkDrift = (): void => {
    const check = options.backend.checkDrift;
    if (driftCheck || !check || stopped) return;
    driftCheck = (async () => {
      const result = await check.call(options.backend);
      if (result.isOk()) {
        lastDriftError = undefined;
        const { found, repaired, durationMs } = result.value;
        emitter.emit('driftChecked', { outcome: found.length > 0 ? 'drift' : 'clean', durationMs });
        if (found.length > 0) emitter.emit('drift', { found, repaired, durationMs });
        return;
      }
      emitter.emit('driftChecked', { outcome: 'failed', durationMs: 0 });
      // The backend forgets what it applied when a repair fails: let the reconciler converge.
      if (started && !stopped) reconciler.trigger();
      if (result.error.message === lastDriftError) return;
      lastDriftError = result.error.message;
      emitter.emit('drift', { found: [], repaired: false, durationMs: 0, error: result.error });
    })().finally(() => {
      driftCheck = undefined;
    });
  };

  const startDriftChecks = (): void => {
    const every = options.backend.driftCheckIntervalMs ?? 0;
    if (!options.backend.checkDrift || !(every > 0)) return;
    driftTimer = setInterval(checkDrift, every);
    driftTimer.unref();
  };

  syncChecks();

  return {
    on: (event, listener) => emitter.on(event, listener),
    start() {
      if (started) return okAsync(undefined);
      const first = desired();
      return options.backend.apply(first).map((report) => {
        started = true;
        lastApplied = first;
        emitter.emit('applied', { report, desired: first });
        emitWarnings(report);
        syncChecks();
        startDriftChecks();
        return undefined;
      });
    },
    get ready() {
      return started && engine.ready;
    },
    whenReady() {
      if (started && engine.ready) return Promise.resolve();
      return new Promise((resolve) => {
        const off = emitter.on('ready', () => {
          off();
          resolve();
        });
      });
    },
    settled: () => reconciler.settled(),
    status: () => [...services.values()].map(view),
    desired,
    services: () => [...services.values()],
    addService(service) {
      if (services.has(service.name)) {
        return err({ kind: 'duplicate', message: `service "${service.name}" already exists` });
      }
      return replace([...services.values(), service]);
    },
    updateService(service) {
      return withService(service.name, () => ok(service));
    },
    removeService(name) {
      if (!services.has(name)) return err({ kind: 'not-found', message: `no service "${name}"` });
      return replace([...services.values()].filter((s) => s.name !== name));
    },
    addDestination(service, destination) {
      return withService(service, (s) =>
        s.destinations.some((d) => d.name === destination.name)
          ? err({
              kind: 'duplicate',
              message: `service "${service}" already has "${destination.name}"`,
            })
          : ok({ ...s, destinations: [...s.destinations, destination] }),
      );
    },
    removeDestination(service, destination) {
      return findDestination(service, destination).andThen(() =>
        withService(service, (s) =>
          ok({ ...s, destinations: s.destinations.filter((d) => d.name !== destination) }),
        ),
      );
    },
    drain(service, destination, drainOptions) {
      if (stopped && drainOptions) return err({ kind: 'stopped', message: 'balancer is stopped' });
      const resolved = drainOptions
        ? resolveDrainOptions(drainOptions, options.backend.countFlows !== undefined)
        : undefined;
      if (resolved?.isErr()) return err({ kind: 'invalid', message: resolved.error });
      return setAdmin(service, destination, 'drained').map((): undefined => {
        if (resolved?.isOk()) drains.start(service, destination, resolved.value);
        else drains.cancel(service, destination, 'redrained');
        return undefined;
      });
    },
    enable: (service, destination) =>
      setAdmin(service, destination, 'enabled').map(() =>
        drains.cancel(service, destination, 'enabled'),
      ),
    disable: (service, destination) =>
      setAdmin(service, destination, 'disabled').map(() =>
        drains.cancel(service, destination, 'disabled'),
      ),
    reload: (next) => replace(next),
    stop(closeOptions = {}): ResultAsync<void, BackendError> {
      if (stopped) return okAsync(undefined);
      stopped = true;
      drains.stopAll();
      engine.stop();
      slowStart.stop();
      clearInterval(driftTimer);
      return ResultAsync.fromSafePromise(
        Promise.all([reconciler.stop(), driftCheck]).then(() => undefined),
      ).andThen(() => options.backend.close(closeOptions));
    },
  };
}
