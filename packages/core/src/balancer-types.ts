import type { Result, ResultAsync } from 'neverthrow';
import type { ApplyReport, BackendError, CloseOptions } from './backend.js';
import type { DesiredState } from './desired.js';
import type { AgentState } from './health/agent-state.js';
import type { CheckResult, HealthState } from './health/types.js';
import type { Destination, Service } from './model.js';
import type { QuorumStatus } from './quorum.js';

/** Operator state of a destination, set through the runtime API. */
export type AdminState = 'enabled' | 'drained' | 'disabled';

/** Everything `plan()` needs to know about one destination. */
export interface DestinationStatus {
  readonly health: HealthState;
  readonly admin: AdminState;
  /** What its agent said last (agent and dynamic exec probes); absent = nothing. */
  readonly agent?: AgentState;
  /** Slow-start factor in (0, 1) while a ramp is under way; absent = full weight. */
  readonly ramp?: number;
}

/** Status of one destination as shown to operators. */
export interface DestinationView extends DestinationStatus {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly weight: number;
  /** Epoch ms of the last health change. */
  readonly since: number;
  readonly successes: number;
  readonly failures: number;
  readonly lastResult?: CheckResult;
  /** True when the destination currently receives new flows. */
  readonly serving: boolean;
}

/** Status of one service as shown to operators. */
export interface ServiceView {
  readonly service: Service;
  readonly destinations: readonly DestinationView[];
  /** True when no destination takes new flows (the `whenEmpty` verdict applies). */
  readonly empty: boolean;
  /** Where the service stands against its quorum, when it has one (or a sorry destination). */
  readonly quorumStatus?: QuorumStatus;
}

/** Balancer events. Listeners are notified only; a throwing listener is ignored. */
export interface BalancerEvents {
  [name: string]: unknown;
  /** A destination's health changed (one event per service using the check). */
  health: {
    readonly service: string;
    readonly destination: string;
    readonly from: HealthState;
    readonly to: HealthState;
    readonly reason: string;
    readonly result: CheckResult;
  };
  /** Each finished check of a destination (for latency displays). */
  check: { readonly service: string; readonly destination: string; readonly result: CheckResult };
  /** A service lost its last serving destination. */
  empty: { readonly service: string };
  /** A service got a serving destination again. */
  nonEmpty: { readonly service: string };
  /** The backend converged to a desired state. */
  applied: { readonly report: ApplyReport; readonly desired: DesiredState };
  /**
   * The periodic drift check (`Backend.checkDrift`, every
   * `backend.driftCheckIntervalMs`) found the kernel different from what was
   * applied — a flushed or deleted table, a dormant flag, a foreign rule, a
   * missing element — and says what, and whether it was repaired; or the
   * check itself failed (`error`; the same error is reported once until it
   * changes). Checks that find nothing are not reported.
   */
  drift: {
    readonly found: readonly string[];
    readonly repaired: boolean;
    readonly durationMs: number;
    readonly error?: BackendError;
  };
  /**
   * Every finished drift check, also the ones that find nothing (for
   * counters; `drift` says what was found). `failed`: the check itself failed.
   */
  driftChecked: { readonly outcome: 'clean' | 'drift' | 'failed'; readonly durationMs: number };
  /** The backend applied but warns (`ApplyReport.warnings`: e.g. an IPVS VIP that is not local). */
  warning: { readonly source: 'backend'; readonly message: string };
  /** An apply failed; it is retried after `retryInMs`. */
  applyFailed: {
    readonly error: BackendError;
    readonly attempt: number;
    readonly retryInMs: number;
  };
  /** Every destination has had its first verdict. */
  ready: Record<string, never>;
  /** No check has finished for `stalledMs` although checks are configured. */
  watchdog: { readonly stalledMs: number };
  /** `drain(…, { until })` began watching a destination's flows (see `DrainOptions`). */
  drainStarted: DrainEvent & {
    /** The removal deadline in ms from now; absent = wait for idle only. */
    readonly deadlineMs?: number;
  };
  /**
   * A flow count of a watched destination: the first one, then each one that
   * differs from the last (or a count that failed: `error`, counted again next poll).
   */
  drainProgress: DrainEvent & {
    readonly flows?: number;
    readonly elapsedMs: number;
    readonly error?: BackendError;
  };
  /**
   * A watched destination was removed from the desired state (admin state
   * `disabled`; `enable` brings it back): its flows reached 0 (`idle`) or the
   * deadline passed (`deadline`, with the flows left at the last count).
   */
  drained: DrainEvent & {
    readonly reason: 'idle' | 'deadline';
    readonly elapsedMs: number;
    /** Flows at the last count (0 for `idle`; absent when never counted). */
    readonly flows?: number;
  };
  /** A watch ended without removal: `enable`, `disable`, a plain `drain`, a new `drain` with options, the destination's removal, or `stop()`. */
  drainCancelled: DrainEvent & {
    readonly reason: 'enabled' | 'disabled' | 'redrained' | 'removed' | 'stopped';
  };
  /**
   * A service's live weight fell below its `quorum`: new flows now go to its
   * `sorry` destination (`sorry` names it) or get the `whenEmpty` verdict.
   * Emitted once the change is applied.
   */
  quorumLost: {
    readonly service: string;
    readonly live: number;
    readonly required: number;
    readonly sorry?: string;
  };
  /** A service's live weight is back at or above its `quorum`: served normally again. */
  quorumRegained: { readonly service: string; readonly live: number; readonly required: number };
  /** A runtime API or reload change was accepted. */
  configChanged: {
    readonly added: readonly string[];
    readonly removed: readonly string[];
    readonly updated: readonly string[];
  };
}

/** Which destination a drain event is about. */
export interface DrainEvent {
  readonly service: string;
  readonly destination: string;
}

/**
 * How `drain` ends (rolling maintenance): the destination gets no new flows
 * at once, then it is removed from the kernel when its flows reach 0 or the
 * deadline passes, whichever comes first.
 * - `{ until: 'idle' }`: removed when idle, however long that takes (needs a
 *   backend with `countFlows`); add `deadline` to cap the wait.
 * - `{ until: 30_000 }`: removed when idle or after 30 s, whichever first
 *   (the same as `{ until: 'idle', deadline: 30_000 }`); on a backend
 *   without `countFlows` only the deadline removes it.
 */
export interface DrainOptions {
  readonly until: 'idle' | number;
  /** With `until: 'idle'`: the longest wait in ms. Not allowed with a numeric `until`. */
  readonly deadline?: number;
  /** Flow count poll interval in ms, bounded to [100, 60000]. Default 1000. */
  readonly pollInterval?: number;
}

/** A runtime API error. */
export interface BalancerError {
  readonly kind: 'not-found' | 'duplicate' | 'invalid' | 'stopped';
  readonly message: string;
}

/** Options for `Balancer.stop()`. */
export type StopOptions = CloseOptions;

/** Destination identity inside the balancer. */
export interface DestinationRef {
  readonly service: string;
  readonly destination: string;
}

export type { Destination };

/** What a `reload()` or runtime change did, by service name. */
export interface ConfigChange {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly updated: readonly string[];
}

/**
 * A running balancer: probes destinations, keeps the kernel in step through a
 * backend, and takes runtime changes without restart. Create with `createBalancer`.
 */
export interface Balancer {
  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof BalancerEvents & string>(
    event: K,
    listener: (payload: BalancerEvents[K]) => void,
  ): () => void;
  /** First apply (initial states) then starts the probes. Resolves after the first apply. */
  start(): ResultAsync<void, BackendError>;
  /** True once every destination has had its first verdict. */
  readonly ready: boolean;
  /** Resolves when `ready` becomes true. */
  whenReady(): Promise<void>;
  /** Resolves when the kernel matches the current desired state (no apply pending or failing). */
  settled(): Promise<void>;
  /** Per-service and per-destination status. */
  status(): readonly ServiceView[];
  /** The desired state `plan()` gives now. */
  desired(): DesiredState;
  /** The configured services. */
  services(): readonly Service[];
  addService(service: Service): Result<ConfigChange, BalancerError>;
  updateService(service: Service): Result<ConfigChange, BalancerError>;
  removeService(name: string): Result<ConfigChange, BalancerError>;
  addDestination(service: string, destination: Destination): Result<ConfigChange, BalancerError>;
  removeDestination(service: string, destination: string): Result<ConfigChange, BalancerError>;
  /**
   * Weight 0: no new flows, existing connections continue. With `options`
   * the destination is also removed (admin state `disabled`) once its flows
   * reach 0 or the deadline passes (`DrainOptions`), with `drainStarted`,
   * `drainProgress`, `drained` events. `enable`, `disable`, another `drain`,
   * removing the destination and `stop()` cancel the pending removal.
   * Fails with `invalid` for bad options, or `until: 'idle'` without a
   * deadline on a backend that cannot count flows.
   */
  drain(service: string, destination: string, options?: DrainOptions): Result<void, BalancerError>;
  /** Back to normal (undoes drain/disable). */
  enable(service: string, destination: string): Result<void, BalancerError>;
  /** Removed from the desired state regardless of health. */
  disable(service: string, destination: string): Result<void, BalancerError>;
  /** Replaces the whole configuration; applies only the difference. */
  reload(services: readonly Service[]): Result<ConfigChange, BalancerError>;
  /** Stops probes and the reconciler, then closes the backend (`keep` keeps kernel state). */
  stop(options?: StopOptions): ResultAsync<void, BackendError>;
}
