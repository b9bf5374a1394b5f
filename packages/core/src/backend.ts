import type { ResultAsync } from 'neverthrow';
import type { DesiredState, ObservedState } from './desired.js';
import type { ServiceKey } from './model.js';

/** Why a backend operation failed. */
export type BackendErrorKind =
  /** The kernel or tool refused the change; nothing was applied (nftables) or see `partial`. */
  | 'rejected'
  /** The desired state uses a feature this backend cannot render (e.g. `lc` on nftables). */
  | 'unsupported'
  /** Neither the library nor the tool needed is available, or permission denied. */
  | 'unavailable'
  /** The read-back could not be parsed. */
  | 'parse'
  /** Some operations were applied and some not (IPVS: no transactions). */
  | 'partial'
  /** Another live process manages the same kernel state (one daemon per table / IPVS instance). */
  | 'busy'
  | 'closed'
  | 'internal';

/** A backend failure. */
export interface BackendError {
  readonly kind: BackendErrorKind;
  readonly message: string;
  /** Operations done before the failure, for `partial`. */
  readonly done?: readonly string[];
  /** Operations not done, for `partial`. */
  readonly notDone?: readonly string[];
  readonly cause?: unknown;
}

/** What an apply did. */
export interface ApplyReport {
  /** Kernel operations (nft commands, netlink requests) sent. 0 = already in sync. */
  readonly operations: number;
  /** Wall time in ms. */
  readonly durationMs: number;
  /** Names of services whose kernel objects were changed. */
  readonly changedServices: readonly string[];
  /**
   * Problems that did not stop the apply but mean traffic may not flow as
   * configured (IPVS: a VIP that is not a local address), each reported once
   * until it changes; the balancer emits each as a `warning` event. Default none.
   */
  readonly warnings?: readonly string[];
}

/** What a backend can represent; the conformance suite checks only what is claimed. */
export interface BackendCapabilities {
  /** Read-back reports weights (otherwise only membership of weight > 0 destinations). */
  readonly weights: boolean;
  /** Drained (weight 0) destinations stay visible in the kernel. */
  readonly keepsDrained: boolean;
  readonly ipv6: boolean;
  readonly udp: boolean;
  /** Schedulers it can render. */
  readonly schedulers: readonly string[];
}

/** What a drift check found and did (`Backend.checkDrift`). */
export interface DriftReport {
  /**
   * What differed between the kernel and the last applied state, one line
   * each (`table inet lbkit is missing`, `chain svc_web: rules differ`);
   * empty = in sync.
   */
  readonly found: readonly string[];
  /** True when the backend rewrote what it owns (nftables: the whole table, in one transaction). */
  readonly repaired: boolean;
  /**
   * How it knew: `generation` (the kernel's change counter had not moved since
   * lbkit's own last commit: one request), `table` (it had moved, and the
   * table's existence, flags and owner were checked; the whole-table read is
   * due later, see the backend's spacing), `read` (the state was read back
   * and compared), `none` (nothing applied yet: nothing to compare).
   */
  readonly method: 'generation' | 'table' | 'read' | 'none';
  /** Wall time in ms. */
  readonly durationMs: number;
}

/** One destination of one service whose flows `Backend.countFlows` counts. */
export interface FlowCountQuery {
  readonly service: ServiceKey;
  /** The destination's address (canonical text, as in the desired state). */
  readonly address: string;
  readonly port: number;
}

/** Options for `Backend.close()`. */
export interface CloseOptions {
  /** Keep the kernel state (a restarting daemon must not cut traffic). Default false. */
  readonly keep?: boolean;
}

/**
 * Makes the kernel match a desired state. Implementations: nftables, IPVS, fakes.
 * `apply` converges the WHOLE state (what is not desired and owned is removed);
 * it is never called concurrently by lbkit's reconciler.
 */
export interface Backend {
  readonly name: string;
  readonly capabilities: BackendCapabilities;
  apply(desired: DesiredState): ResultAsync<ApplyReport, BackendError>;
  /** Independent read-back of what the kernel has now. */
  read(): ResultAsync<ObservedState, BackendError>;
  /**
   * Optional: compares the kernel with the last applied state and repairs what
   * differs (someone flushed, deleted or edited it). The balancer calls it
   * every `driftCheckIntervalMs`; never concurrently with `apply`.
   */
  checkDrift?(): ResultAsync<DriftReport, BackendError>;
  /**
   * Optional: the flows each destination still carries, in `queries` order
   * (what counts is the backend's: nftables counts conntrack entries, IPVS
   * its connection counters — see their READMEs). The balancer's
   * `drain(…, { until })` polls it; a backend without it can drain only to a
   * deadline.
   */
  countFlows?(queries: readonly FlowCountQuery[]): ResultAsync<readonly number[], BackendError>;
  /** How often `checkDrift` should run (ms); 0 or absent = never. */
  readonly driftCheckIntervalMs?: number;
  close(options?: CloseOptions): ResultAsync<void, BackendError>;
}

/** Builds a `BackendError`. */
export const backendError = (
  kind: BackendErrorKind,
  message: string,
  extra: Partial<Omit<BackendError, 'kind' | 'message'>> = {},
): BackendError => ({ kind, message, ...extra });
