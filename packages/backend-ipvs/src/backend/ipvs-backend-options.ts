/**
 * What `createIpvsBackend` can be told, and its defaults.
 * @module
 */
import type { IpvsClient } from '../client/client.js';
import type { SyncDaemonOptions } from '../client/sync-daemons.js';
import type { LinkTable } from './link-table.js';
import type { AddressTable } from './local-vips.js';
import type { MappingOptions } from './map-desired.js';
import type { OwnershipStore } from './ownership.js';

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
