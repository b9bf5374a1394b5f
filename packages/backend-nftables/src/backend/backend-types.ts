import type {
  ApplyReport,
  Backend,
  BackendError,
  DriftReport,
  FlowCountQuery,
  ServiceKey,
} from '@lbkit/core';
import type { ResultAsync } from 'neverthrow';
import type { NftablesRenderOptions } from '../render/options.js';
import type { NftTransport } from '../transport/transport.js';

/** Options of `createNftablesBackend`: the render options plus how to reach the kernel. */
export interface NftablesBackendOptions extends NftablesRenderOptions {
  /**
   * How commands reach the kernel. Default: `createDefaultTransport({ table,
   * netns })` (ONE raw nf_tables batch per apply on a netlink socket, nft text
   * through libnftables or the `nft` CLI behind it). A transport passed in
   * must act on the same table and is not closed by `close()`; one the
   * backend made is.
   */
  readonly transport?: NftTransport;
  /**
   * Named network namespace to act in (`ip netns add NAME`), given once: the
   * default transport, its conntrack cleanup and the lock all act there.
   * Default: the process's own namespace.
   */
  readonly netns?: string;
  /**
   * How often (ms) the balancer runs `checkDrift`: compares the table with
   * what was applied and rewrites it in one transaction when someone flushed,
   * deleted, dormanted or edited it. With the netlink transport a check that
   * finds nothing new costs one `NFT_MSG_GETGEN` request (the kernel's
   * generation id has not moved since lbkit's own commit); only after someone
   * else's commit is the whole table read. `0` = never. Default 1000.
   */
  readonly driftCheckInterval?: number;
  /** Delete conntrack entries of UDP flows whose destination left a service. Default true. */
  readonly conntrack?: boolean;
  /**
   * Hold the per-table lock (an abstract unix socket `lbkit/nftables/inet/<table>`
   * in the table's namespace, freed by the kernel when the process dies), so a
   * second daemon on the same table fails with `busy`. Default: true when the
   * backend makes its own transport, false when one is passed in.
   */
  readonly lock?: boolean;
  /**
   * Take over a table of the same name that lbkit did not create (no
   * `managed by lbkit` comment). Default false: such a table is never
   * modified or deleted, and applying to it fails with `rejected`.
   */
  readonly adoptTable?: boolean;
  /**
   * How `countFlows` counts (for `drain(…, { until })`). Default: conntrack
   * entries over ctnetlink in `netns` (`createConntrackFlowCounter`).
   */
  readonly flowCounter?: (
    queries: readonly FlowCountQuery[],
  ) => ResultAsync<readonly number[], BackendError>;
}

/** What an nftables apply did, beyond core's `ApplyReport`. */
export interface NftablesApplyReport extends ApplyReport {
  /** `full` = the whole table replaced in one transaction; `changes` = only changed services; `none`. */
  readonly mode: 'full' | 'changes' | 'none';
  /**
   * Which path carried this apply: `netlink` (one raw nf_tables batch),
   * `libnftables` / `nft-cli` (the same commands as nft text), `fake`, or
   * `none` (nothing sent).
   */
  readonly path: string;
  /** Name of the transport used (`netlink+libnftables`, `nft-cli`, `fake`...). */
  readonly transport: string;
  /** Why this apply had to rewrite the table (an incremental change the kernel refused). */
  readonly drift: readonly string[];
  /** UDP conntrack entries deleted after the change. */
  readonly conntrackDeleted: number;
  /** Problems that did not fail the apply (the conntrack cleanup, a fallback to nft). */
  readonly warnings: readonly string[];
}

/** Counters of one destination (new flows DNATed to it, counted in nat postrouting). */
export interface DestinationStats {
  readonly address: string;
  readonly port: number;
  readonly packets: number;
  readonly bytes: number;
}

/** Counters of one service (new flows dispatched to it) and its destinations. */
export interface ServiceStats {
  readonly key: ServiceKey;
  readonly name?: string;
  readonly packets: number;
  readonly bytes: number;
  readonly destinations: readonly DestinationStats[];
}

/** Per-service and per-destination counters (zeros when `counters: false`). */
export interface NftablesStats {
  readonly services: readonly ServiceStats[];
}

/** The nftables backend: core's `Backend` plus transport name, stats and drift repair. */
export interface NftablesBackend extends Backend {
  /** Name of the transport in use (`netlink+libnftables`, `nft-cli`, `fake`...). */
  readonly transport: string;
  /** `driftCheckInterval` as resolved (ms, 0 = never). */
  readonly driftCheckIntervalMs: number;
  apply(desired: Parameters<Backend['apply']>[0]): ResultAsync<NftablesApplyReport, BackendError>;
  /** Counters per service and destination, read back from the table. */
  stats(): ResultAsync<NftablesStats, BackendError>;
  /**
   * Compares the table with the last applied state (the table's existence,
   * comment and flags, then, when the kernel's generation moved since lbkit's
   * last verified commit, every chain, rule, set and element) and rewrites
   * it in one transaction when anything differs. Fails with `rejected` when
   * the table became someone else's (another comment): it is left alone.
   */
  checkDrift(): ResultAsync<DriftReport, BackendError>;
  /**
   * The flows each destination still carries: conntrack entries in the
   * backend's namespace whose reply source is the destination's
   * address:port, TCP not in TIME_WAIT/CLOSE, UDP while present (see
   * `createConntrackFlowCounter`).
   */
  countFlows(queries: readonly FlowCountQuery[]): ResultAsync<readonly number[], BackendError>;
}
