import type { ApplyReport, Backend, BackendError, ServiceKey } from '@lbkit/core';
import type { ResultAsync } from 'neverthrow';
import type { NftablesRenderOptions } from '../render/index.js';
import type { ConntrackCleaner } from '../transport/conntrack-tool.js';
import type { NftTransport } from '../transport/transport.js';

/** Options of `createNftablesBackend`: the render options plus how to reach the kernel. */
export interface NftablesBackendOptions extends NftablesRenderOptions {
  /**
   * How scripts reach the kernel. Default: `detectTransport({ netns })`
   * (libnftables through FFI, else the `nft` CLI). A transport passed in is
   * not closed by `close()`; one the backend made is.
   */
  readonly transport?: NftTransport;
  /**
   * Named network namespace to act in (`ip netns add NAME`), for the default
   * transport and conntrack cleaner. Default: the process's own namespace.
   */
  readonly netns?: string;
  /**
   * How often (ms) an apply first reads the table back and compares it with
   * what was last applied; on a difference (someone edited or deleted the
   * table) the apply rewrites the whole table instead of the changes. `0` =
   * before every apply (each apply then costs O(services)). Default 10000.
   */
  readonly driftCheckInterval?: number;
  /**
   * Deletes conntrack entries of UDP flows whose destination left a service.
   * Default: the `conntrack` tool (in `netns`) when installed, else none.
   * `false` disables it.
   */
  readonly conntrack?: ConntrackCleaner | false;
  /**
   * How applies reach the kernel. `netlink`: every apply (first apply, changes,
   * flips, repairs) is ONE raw nf_tables netlink batch, encoded from the same
   * commands nft would be given (no nft parsing, no cache dump of every chain
   * and set: a flip costs the same at 10 or 10,000 services, a cold apply of
   * 10,000 services is a fraction of nft's time). `nft`: the same commands as
   * nft text through `transport`. Default `netlink` when the transport is a
   * real one (`libnftables`, `nft-cli`) in the same namespace as `netns`,
   * else `nft`. What the netlink path cannot encode or send (unknown layout,
   * socket unavailable, batch too large) goes through nft instead (reported in
   * `warnings`). Reads (`read`, drift checks) always use the transport.
   */
  readonly writePath?: 'netlink' | 'nft';
  /** Clock for drift scheduling (ms). Default `Date.now`. */
  readonly now?: () => number;
}

/** What an nftables apply did, beyond core's `ApplyReport`. */
export interface NftablesApplyReport extends ApplyReport {
  /** `full` = the whole table replaced in one transaction; `changes` = only changed services; `none`. */
  readonly mode: 'full' | 'changes' | 'none';
  /**
   * Which path carried this apply: `netlink` (one raw nf_tables batch), `nft`
   * (script through the transport), `none` (nothing sent).
   */
  readonly path: 'netlink' | 'nft' | 'none';
  /** Name of the transport used (`libnftables`, `nft-cli`, `fake`). */
  readonly transport: string;
  /** Differences found by the drift check before this apply (repaired by it). */
  readonly drift: readonly string[];
  /** UDP conntrack entries deleted after the change. */
  readonly conntrackDeleted: number;
  /** Problems that did not fail the apply (e.g. the conntrack cleanup). */
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

/** The nftables backend: core's `Backend` plus transport name, stats and drift. */
export interface NftablesBackend extends Backend {
  /** Name of the transport in use: `libnftables`, `nft-cli` or `fake`. */
  readonly transport: string;
  /** How applies are sent (see `NftablesBackendOptions.writePath`). */
  readonly writePath: 'netlink' | 'nft';
  apply(desired: Parameters<Backend['apply']>[0]): ResultAsync<NftablesApplyReport, BackendError>;
  /** Counters per service and destination, read back from the table. */
  stats(): ResultAsync<NftablesStats, BackendError>;
  /** Reads the table back now and returns its differences from the last applied state. */
  checkDrift(): ResultAsync<readonly string[], BackendError>;
}
