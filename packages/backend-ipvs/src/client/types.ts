import type { ParsedAddress } from '@lbkit/core';
import type { NlAttr } from '@lbkit/netlink';

/**
 * The IPVS model, in the style of cloudflare/ipvs: identity (`ServiceId`,
 * `DestinationId`) apart from configuration (`ServiceConfig`,
 * `DestinationConfig`) and from what the kernel reports (`*Stats`). Readonly data.
 */

/** IP family of a service or destination address. */
export type Family = 4 | 6;

/** Transport protocol of an address/port service. */
export type IpvsProtocol = 'tcp' | 'udp' | 'sctp';

/** A virtual service keyed by address, protocol and port (`ipvsadm -t/-u/--sctp-service`). */
export interface AddressServiceId {
  readonly family: Family;
  readonly protocol: IpvsProtocol;
  /** Canonical text (dotted quad or RFC 5952 IPv6). */
  readonly address: string;
  /** `address` parsed, from lbkit's validated model: the codecs encode its bytes. */
  readonly parsed?: ParsedAddress;
  readonly port: number;
}

/** A virtual service keyed by firewall mark (`ipvsadm -f`). */
export interface FwmarkServiceId {
  readonly family: Family;
  /** Non-zero firewall mark. */
  readonly fwmark: number;
}

/** Identity of a virtual service. */
export type ServiceId = AddressServiceId | FwmarkServiceId;

/**
 * Service flags (IP_VS_SVC_F_*): `persistent`, `one-packet` (UDP one-packet
 * scheduling), `sched-1..3` (scheduler-specific: for `sh` and `mh`, `sched-1` is
 * fallback and `sched-2` is port; see `SCHEDULER_FLAGS`).
 */
export type ServiceFlag = 'persistent' | 'one-packet' | 'sched-1' | 'sched-2' | 'sched-3';

/** Configuration of a virtual service. */
export interface ServiceConfig {
  /** Scheduler module name: rr, wrr, lc, wlc, sh, mh, ... (passed through; max 15 chars). */
  readonly scheduler: string;
  /** Sorted, without duplicates. */
  readonly flags: readonly ServiceFlag[];
  /** Persistence timeout in seconds (meaningful with the `persistent` flag). */
  readonly timeout: number;
  /** Persistence netmask as a prefix length: 0..32 (IPv4), 1..128 (IPv6). */
  readonly netmask: number;
  /** Persistence engine name (e.g. `sip`), when set. */
  readonly persistenceEngine?: string;
}

/** Traffic counters (IPVS_STATS_ATTR_*); bigint because the 64-bit counters wrap past 2^53. */
export interface IpvsStats {
  readonly connections: bigint;
  readonly packetsIn: bigint;
  readonly packetsOut: bigint;
  readonly bytesIn: bigint;
  readonly bytesOut: bigint;
  readonly cps: bigint;
  readonly ppsIn: bigint;
  readonly ppsOut: bigint;
  readonly bpsIn: bigint;
  readonly bpsOut: bigint;
}

/** A service as dumped by the kernel: identity, configuration, counters. */
export interface IpvsService {
  readonly id: ServiceId;
  readonly config: ServiceConfig;
  readonly stats?: IpvsStats;
  /** Attributes this library does not know (newer kernels), kept as received. */
  readonly unknownAttributes?: readonly NlAttr[];
}

/** Forwarding method (IP_VS_CONN_F_FWD_MASK): NAT, direct routing, IP-in-IP tunnel, local. */
export type ForwardMethod = 'masquerade' | 'route' | 'tunnel' | 'local' | 'bypass';

/** Tunnel encapsulation (kernel 5.3+ for gue/gre). */
export interface TunnelConfig {
  readonly type: 'ipip' | 'gue' | 'gre';
  /** GUE destination port. */
  readonly port: number;
  /** IP_VS_TUNNEL_ENCAP_FLAG_* bits. */
  readonly flags: number;
}

/** Identity of a destination within its service. */
export interface DestinationId {
  /** May differ from the service's family only with tunnel forwarding (kernel 4.x+). */
  readonly family: Family;
  readonly address: string;
  /** `address` parsed, from lbkit's validated model: the codecs encode its bytes. */
  readonly parsed?: ParsedAddress;
  readonly port: number;
}

/** Configuration of a destination (real server). */
export interface DestinationConfig {
  readonly forward: ForwardMethod;
  /** 0..2^31-1; 0 = no new connections (drained). */
  readonly weight: number;
  /** Upper connection threshold, 0 = none. */
  readonly upperThreshold: number;
  /** Lower connection threshold, 0 = none. */
  readonly lowerThreshold: number;
  readonly tunnel?: TunnelConfig;
}

/** A destination as dumped by the kernel. */
export interface IpvsDestination {
  readonly id: DestinationId;
  readonly config: DestinationConfig;
  readonly activeConnections?: number;
  readonly inactiveConnections?: number;
  readonly persistentConnections?: number;
  readonly stats?: IpvsStats;
  /** Attributes this library does not know (newer kernels), kept as received. */
  readonly unknownAttributes?: readonly NlAttr[];
}

/** IPVS_CMD_GET_INFO reply. */
export interface IpvsInfo {
  /** e.g. `1.2.1`. */
  readonly version: string;
  /** Size of the connection hash table. */
  readonly connectionTableSize: number;
}

/** Scheduler flags by scheduler: `sh`/`mh` fallback and port (ipvsadm `-b`). */
export const SCHEDULER_FLAGS = {
  sh: { fallback: 'sched-1', port: 'sched-2' },
  mh: { fallback: 'sched-1', port: 'sched-2' },
} as const satisfies Record<string, Record<string, ServiceFlag>>;

/** True for a firewall-mark service id. */
export const isFwmarkService = (id: ServiceId): id is FwmarkServiceId => 'fwmark' in id;

/** Stable text form: `tcp/192.0.2.10:80`, `udp/[2001:db8::1]:53`, `fwmark/4:7`, `fwmark/6:7`. */
export function formatServiceId(id: ServiceId): string {
  if (isFwmarkService(id)) return `fwmark/${id.family}:${id.fwmark}`;
  const host = id.family === 6 ? `[${id.address}]` : id.address;
  return `${id.protocol}/${host}:${id.port}`;
}

/** Stable text form of a destination: `198.51.100.1:80`, `[2001:db8::1]:80`. */
export const formatDestinationId = (id: DestinationId): string =>
  id.family === 6 ? `[${id.address}]:${id.port}` : `${id.address}:${id.port}`;

/** True when two service ids name the same service. */
export const sameServiceId = (a: ServiceId, b: ServiceId): boolean =>
  formatServiceId(a) === formatServiceId(b);

/** A connection sync daemon's role: `master` sends this node's connections, `backup` receives the peer's. */
export type SyncDaemonState = 'master' | 'backup';

/**
 * One IPVS connection synchronisation daemon (`ipvsadm --start-daemon`): the
 * kernel multicasts the connections of a master to backups on `interface`
 * (group 224.0.0.81, port 8848 by default), tagged with `syncId`; a backup
 * creates them in its own table, so a takeover finds them there. A node may
 * run both (master and backup) at once.
 */
export interface SyncDaemon {
  readonly state: SyncDaemonState;
  /** The sync link's interface, 1..15 characters. */
  readonly interface: string;
  /** Sync id 0..255 (the kernel keeps a u8 on the wire): both nodes the same. */
  readonly syncId: number;
  /** Reported by the kernel: the multicast group, port and TTL in use. */
  readonly group?: string;
  readonly port?: number;
  readonly ttl?: number;
}
