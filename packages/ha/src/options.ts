/**
 * The options of a balancer pair, as a user writes them (`HaInput`, loose,
 * validated by `validateHaOptions`) and as the rest of the package uses them
 * (`HaConfig`, every default applied, every name and address checked and
 * canonical). keepalived does VRRP only: no `virtual_server`, no checkers.
 * @module
 */
import type { IpFamily } from '@lbkit/core';

/** One side of the pair: an interface and the floating addresses VRRP moves on it. */
export interface VrrpSideInput {
  /** Interface the VIPs live on and VRRP adverts go out of (e.g. `eth0`). */
  readonly interface: string;
  /** VRRP virtual router id, 1..255: the same on both nodes, unique per segment. */
  readonly virtualRouterId: number;
  /** Floating addresses, `address[/prefix]` (default /32, /128); 1..64, IPv4 and IPv6 may mix. */
  readonly vips: readonly string[];
  /** Peers' addresses for unicast VRRP (clouds block multicast). Default: multicast. */
  readonly unicastPeers?: readonly string[];
  /** Source address of unicast adverts. Default: the interface's primary address. */
  readonly unicastSource?: string;
}

/** VRRPv2 authentication (RFC 3768 dropped it; keepalived still speaks it). */
export interface VrrpAuthInput {
  readonly type: 'PASS';
  /** 1..8 characters of `A-Z a-z 0-9 . _ + = : , / -` (keepalived uses 8 at most). */
  readonly password: string;
}

/** How lbkit's health reaches keepalived. */
export interface TrackInput {
  /**
   * `track_file` weight, 0..253. 0 (default): when lbkit is unhealthy the node
   * goes to FAULT: its VIPs go at once (a priority-0 advert), the peer takes
   * over even under `nopreempt`. W > 0: a healthy lbkit adds W to the
   * priority; unhealthy, the node keeps only `priority`, and the VIP moves
   * when the peer is then higher and may preempt. `priority + W` must be <= 254.
   */
  readonly weight?: number;
  /**
   * Also unhealthy when a service has no serving destination: `true` for any
   * service, or a list of service names. Default false. Careful: both nodes
   * probe the same servers; with weight 0 and a service down everywhere, both
   * nodes go to FAULT and no node holds the VIP.
   */
  readonly emptyServices?: boolean | readonly string[];
  /**
   * The process keepalived watches (`track_process`, no script per check):
   * lbkit sets its own process title to this name (Linux `comm`, 15
   * characters at most, `A-Z a-z 0-9 . _ -`). Default `lbkit`.
   */
  readonly processName?: string;
}

/** How lbkit runs keepalived. */
export interface KeepalivedInput {
  /** `supervise` (default): lbkit starts, watches and restarts keepalived; `attach`: the operator runs it (systemd unit) and lbkit listens. */
  readonly mode?: 'supervise' | 'attach';
  /** keepalived binary. Default `/usr/sbin/keepalived`. */
  readonly binary?: string;
  /** Directory of the rendered config, pid files, notify FIFO and track file. Default `/run/lbkit/ha`. */
  readonly runDir?: string;
  /**
   * Run keepalived in this network namespace (keepalived's own `-s`). Default:
   * the current namespace.
   */
  readonly netns?: string;
  /**
   * Start keepalived from this network namespace (a name under /run/netns,
   * `ip netns exec`), then it enters `netns` itself. keepalived can watch
   * processes (track_process, the kernel's proc connector) only from the
   * host's initial namespace: labs where lbkit runs inside a namespace name
   * the initial one here. Default: start from the current namespace.
   */
  readonly launchNetns?: string;
  /** First restart delay after keepalived died, ms (doubles up to 10 s). Default 200. */
  readonly restartDelay?: number;
}

/**
 * Flow-state sync with conntrackd (Debian `conntrackd` 1.4.x, FTFW over UDP on
 * a dedicated link): the backup keeps the master's NAT flows in its external
 * cache and commits them into its kernel table when it takes over, so
 * established connections through the VIP survive a failover.
 */
export interface ConntrackdInput {
  /** The dedicated sync link's interface on this node (e.g. `eth2`). */
  readonly interface: string;
  /** This node's address on the sync link (IPv4 or IPv6). */
  readonly address: string;
  /** The peer's address on the sync link (same family). */
  readonly peer: string;
  /** UDP port of the sync messages, 1..65535. Default 3780 (conntrackd's). */
  readonly port?: number;
  /**
   * Which flows are synced: `address[/prefix]`s, 1..256. conntrackd keeps a
   * flow when its original source or its reply source is one of them; for a
   * balanced (DNAT) flow the reply source is the real server, so list the
   * servers (and the VIPs, for services on the VIP itself). Default: every
   * TCP and UDP flow but the sync link's own.
   */
  readonly flows?: readonly string[];
  /**
   * Drop new non-SYN TCP to the VIPs (and from `flows`) while this node is not
   * a master whose commit is done (an nftables table of its own, one element
   * flipped): clients retransmit instead of getting a reset from a flow the
   * kernel does not know yet. Default true.
   */
  readonly guard?: boolean;
  /**
   * The guard covers UDP too: new UDP flows to the VIPs (and from `flows`)
   * are dropped until the commit, so an established UDP flow keeps its
   * server across the takeover (without it, its first packet on the new
   * master is balanced anew, often to another server); a UDP flow that
   * starts in the ~0.1 s window loses its first packet. For stateful UDP
   * (VPNs, QUIC, SIP); stateless DNS does not need it. Default false.
   */
  readonly guardUdp?: boolean;
  /** nftables table of the guard (`inet`). Default `<name>_guard`. */
  readonly guardTable?: string;
  /** `supervise` (default): lbkit runs conntrackd; `attach`: the operator runs it (systemd unit) with lbkit's rendered file. */
  readonly mode?: 'supervise' | 'attach';
  /** conntrackd binary. Default `/usr/sbin/conntrackd`. */
  readonly binary?: string;
  /** First restart delay after conntrackd died, ms (doubles up to 10 s). Default 200. */
  readonly restartDelay?: number;
}

/** Everything a node of the pair needs; the peer has the same but its own `priority`. */
export interface HaInput {
  /** Prefix of every keepalived object name (group, instances, tracks). Default `lbkit`. */
  readonly name?: string;
  /** keepalived `router_id` (shown in its logs). Default: keepalived's (the host name). */
  readonly routerId?: string;
  /** This node's VRRP priority, 1..254 (255, the address owner, ignores tracking). */
  readonly priority: number;
  /** VRRP version. Default 3 (sub-second adverts). */
  readonly version?: 2 | 3;
  /** Advert interval, ms. VRRPv3: 10..40950 in steps of 10, default 100; VRRPv2: whole seconds, default 1000. */
  readonly advertInterval?: number;
  /** Take the VIP back when this node is higher. Default true; false = `nopreempt`. */
  readonly preempt?: boolean;
  /** Wait this long before preempting, ms, 0..1,000,000. Default 0. Needs `preempt`. */
  readonly preemptDelay?: number;
  /** VRRPv2 only. */
  readonly authentication?: VrrpAuthInput;
  /** The service VIPs (the clients' side). */
  readonly service: VrrpSideInput;
  /** An inner gateway VIP on the servers' side (level 3; level-2 SNAT target). Moves with the service VIPs (one sync group). */
  readonly inner?: VrrpSideInput;
  /** More interfaces whose loss puts the node into FAULT (e.g. the servers' side at level 2). */
  readonly trackInterfaces?: readonly string[];
  readonly track?: TrackInput;
  readonly keepalived?: KeepalivedInput;
  /** Flow-state sync (nftables NAT flows survive a failover). Default: none. */
  readonly conntrackd?: ConntrackdInput;
}

/** A floating address, validated. */
export interface Vip {
  /** Canonical address text. */
  readonly address: string;
  readonly family: IpFamily;
  readonly prefix: number;
  readonly interface: string;
}

/** One VRRP instance, validated. */
export interface VrrpSide {
  /** keepalived `vrrp_instance` name (derived). */
  readonly instance: string;
  readonly interface: string;
  readonly virtualRouterId: number;
  /** Family of the adverts: that of the first VIP. */
  readonly family: IpFamily;
  readonly vips: readonly Vip[];
  readonly unicastPeers: readonly string[];
  readonly unicastSource?: string;
}

/** The files lbkit and keepalived share, under `runDir`. */
export interface HaFiles {
  readonly runDir: string;
  readonly config: string;
  readonly pid: string;
  readonly vrrpPid: string;
  readonly checkersPid: string;
  readonly fifo: string;
  readonly trackFile: string;
}

/** The files of conntrackd under `runDir`. */
export interface ConntrackdFiles {
  readonly config: string;
  /** Its UNIX control socket (`conntrackd -C config -c` and friends talk to it). */
  readonly socket: string;
  readonly lock: string;
}

/** conntrackd options, validated. */
export interface ConntrackdConfig {
  readonly interface: string;
  readonly family: IpFamily;
  readonly address: string;
  readonly peer: string;
  readonly port: number;
  /** Canonical `address/prefix` texts; empty = every flow but the sync link's. */
  readonly flows: readonly string[];
  readonly guard: boolean;
  readonly guardUdp: boolean;
  readonly guardTable: string;
  readonly mode: 'supervise' | 'attach';
  readonly binary: string;
  readonly restartDelayMs: number;
  readonly files: ConntrackdFiles;
}

/** Validated options with every default applied. */
export interface HaConfig {
  readonly name: string;
  readonly routerId?: string;
  readonly priority: number;
  readonly version: 2 | 3;
  readonly advertIntervalMs: number;
  readonly preempt: boolean;
  readonly preemptDelayMs: number;
  readonly authentication?: VrrpAuthInput;
  readonly service: VrrpSide;
  readonly inner?: VrrpSide;
  readonly trackInterfaces: readonly string[];
  readonly trackWeight: number;
  /** `true` = every service; a list = those services; `false` = never. */
  readonly emptyServices: boolean | readonly string[];
  readonly processName: string;
  /** keepalived `vrrp_sync_group` name when there are two instances (inner side), else undefined. */
  readonly syncGroup?: string;
  readonly trackFileName: string;
  readonly trackProcessName: string;
  readonly mode: 'supervise' | 'attach';
  readonly binary: string;
  readonly netns?: string;
  readonly launchNetns?: string;
  readonly restartDelayMs: number;
  readonly files: HaFiles;
  /** Flow-state sync, when asked for. */
  readonly conntrackd?: ConntrackdConfig;
}

/** Defaults of `HaInput`. */
export const HA_DEFAULTS: {
  readonly name: string;
  readonly version: 2 | 3;
  readonly advertIntervalV3Ms: number;
  readonly advertIntervalV2Ms: number;
  readonly preempt: boolean;
  readonly preemptDelayMs: number;
  readonly trackWeight: number;
  readonly processName: string;
  readonly mode: 'supervise' | 'attach';
  readonly binary: string;
  readonly runDir: string;
  readonly restartDelayMs: number;
} = {
  name: 'lbkit',
  version: 3,
  advertIntervalV3Ms: 100,
  advertIntervalV2Ms: 1000,
  preempt: true,
  preemptDelayMs: 0,
  trackWeight: 0,
  processName: 'lbkit',
  mode: 'supervise',
  binary: '/usr/sbin/keepalived',
  runDir: '/run/lbkit/ha',
  restartDelayMs: 200,
};

/** The files of a run directory. */
export function haFiles(runDir: string): HaFiles {
  return {
    runDir,
    config: `${runDir}/keepalived.conf`,
    pid: `${runDir}/keepalived.pid`,
    vrrpPid: `${runDir}/vrrp.pid`,
    checkersPid: `${runDir}/checkers.pid`,
    fifo: `${runDir}/notify.fifo`,
    trackFile: `${runDir}/health`,
  };
}

/** Defaults of `ConntrackdInput`. */
export const CONNTRACKD_DEFAULTS: {
  readonly port: number;
  readonly guard: boolean;
  readonly guardUdp: boolean;
  readonly mode: 'supervise' | 'attach';
  readonly binary: string;
  readonly restartDelayMs: number;
} = {
  port: 3780,
  guard: true,
  guardUdp: false,
  mode: 'supervise',
  binary: '/usr/sbin/conntrackd',
  restartDelayMs: 200,
};

/** conntrackd's files in a run directory. */
export function conntrackdFiles(runDir: string): ConntrackdFiles {
  return {
    config: `${runDir}/conntrackd.conf`,
    socket: `${runDir}/conntrackd.ctl`,
    lock: `${runDir}/conntrackd.lock`,
  };
}
