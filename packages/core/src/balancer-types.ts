import type { Result, ResultAsync } from 'neverthrow';
import type { ApplyReport, BackendError, CloseOptions } from './backend.js';
import type { DesiredState } from './desired.js';
import type { CheckResult, HealthState } from './health/types.js';
import type { Destination, Service } from './model.js';

/** Operator state of a destination, set through the runtime API. */
export type AdminState = 'enabled' | 'drained' | 'disabled';

/** Everything `plan()` needs to know about one destination. */
export interface DestinationStatus {
  readonly health: HealthState;
  readonly admin: AdminState;
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
  /** A runtime API or reload change was accepted. */
  configChanged: {
    readonly added: readonly string[];
    readonly removed: readonly string[];
    readonly updated: readonly string[];
  };
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
  /** Weight 0: no new flows, existing connections continue. */
  drain(service: string, destination: string): Result<void, BalancerError>;
  /** Back to normal (undoes drain/disable). */
  enable(service: string, destination: string): Result<void, BalancerError>;
  /** Removed from the desired state regardless of health. */
  disable(service: string, destination: string): Result<void, BalancerError>;
  /** Replaces the whole configuration; applies only the difference. */
  reload(services: readonly Service[]): Result<ConfigChange, BalancerError>;
  /** Stops probes and the reconciler, then closes the backend (`keep` keeps kernel state). */
  stop(options?: StopOptions): ResultAsync<void, BackendError>;
}
