import type { ParsedAddress } from './address.js';

/**
 * The lbkit model: readonly data, no methods. Identity (`ServiceKey`) is kept
 * apart from configuration (`Service`, `Destination`) and from observed status
 * (see `health/` and `desired.ts`).
 */

/** Transport protocol of a virtual service. */
export type Protocol = 'tcp' | 'udp';

/** IP family: 4 or 6. A service never mixes families. */
export type IpFamily = 4 | 6;

/** Identity of a virtual service: what a client connects to. */
export interface ServiceKey {
  /** Virtual IP, canonical text form (IPv4 dotted quad or compressed IPv6). */
  readonly vip: string;
  /** 1..65535 */
  readonly port: number;
  readonly protocol: Protocol;
}

/**
 * How a destination is chosen for a new flow.
 * - `rr` round robin, `wrr` weighted round robin, `random`,
 * - `sh` source hash, `mh` Maglev consistent hash (only the lost destination's clients move),
 * - `lc`, `wlc` least connections (IPVS only).
 * A backend rejects a scheduler it cannot honour with an `unsupported` error.
 */
export type Scheduler = 'rr' | 'wrr' | 'random' | 'sh' | 'mh' | 'lc' | 'wlc';

/** All schedulers, for validation and docs. */
export const SCHEDULERS: readonly Scheduler[] = ['rr', 'wrr', 'random', 'sh', 'mh', 'lc', 'wlc'];

/** Verdict for traffic to a service that has no destination able to take it. */
export type WhenEmpty = 'reject' | 'drop';

/**
 * What happens to a destination whose health is down:
 * - `remove`: it leaves the desired state,
 * - `drain`: it stays with weight 0 (existing connections continue; IPVS keeps it,
 *   keepalived's `inhibit_on_failure`). nftables never sends new flows to weight 0.
 */
export type DownAction = 'remove' | 'drain';

/**
 * How balanced packets reach a destination: `nat` (DNAT; both backends),
 * `route` (IPVS direct routing: the packet keeps the VIP and goes to the
 * destination's MAC; the destination holds the VIP on `lo` and answers the
 * client directly) or `tunnel` (IPVS IP-in-IP). nftables does only `nat`.
 */
export type Forwarding = 'nat' | 'route' | 'tunnel';

/** Initial health of a destination before its first verdict. `unknown` is not served. */
export type InitialState = 'up' | 'down' | 'unknown';

/** A real server behind a virtual service. */
export interface Destination {
  /** `^[A-Za-z][A-Za-z0-9_-]{0,31}$`, unique within its service. */
  readonly name: string;
  /** Real server address, same family as the VIP, canonical text form. */
  readonly address: string;
  /**
   * `address` parsed (family, network-order bytes, canonical text): attached
   * by the validators as a hidden (non-enumerable) property, so that nothing
   * downstream parses the text again (`parsedAddressOf`).
   */
  readonly parsed?: ParsedAddress;
  /** Real server port; the service port when not configured (no translation). */
  readonly port: number;
  /** Relative weight 0..65535 (0 = configured drained). Default 1. */
  readonly weight: number;
  /** Where probes go instead of `address` (keepalived's `connect_ip`). */
  readonly connectAddress?: string;
  /** Where probes go instead of `port` (keepalived's `connect_port`). */
  readonly connectPort?: number;
}

/** TCP connect probe spec; optional banner exchange. */
export interface TcpProbeSpec {
  readonly kind: 'tcp';
  /** Bytes (UTF-8 text) written after connect. */
  readonly send?: string;
  /** Text the first received bytes must start with (e.g. `220` for SMTP). */
  readonly expect?: string;
}

/** DNS probe spec (keepalived's `DNS_CHECK`). */
export interface DnsProbeSpec {
  readonly kind: 'dns';
  /** Query name, e.g. `health.load.balance`. */
  readonly name: string;
  /** Record type, default `TXT`. */
  readonly type?: 'TXT' | 'A' | 'AAAA' | 'SOA';
  /** Transport, default the service protocol. */
  readonly transport?: Protocol;
  /** Exact TXT value, or a RegExp source written as `/.../flags`. */
  readonly expect?: string;
}

/** How an HTTP response header must match (HAProxy's `http-check expect hdr`). */
export interface HeaderMatch {
  readonly name: string;
  readonly equals?: string;
  readonly prefix?: string;
  readonly contains?: string;
  /** RegExp source written as `/.../flags`. */
  readonly matches?: string;
}

/** HTTP(S) probe spec. */
export interface HttpProbeSpec {
  readonly kind: 'http';
  /** Default `GET`. */
  readonly method?: 'GET' | 'HEAD';
  /** Default `/`. */
  readonly path?: string;
  /** Host header; default the target address. */
  readonly host?: string;
  /** Use TLS. */
  readonly tls?: boolean;
  /** TLS server name (SNI). */
  readonly servername?: string;
  /** PEM CA bundle text. */
  readonly ca?: string;
  /** Skip certificate verification. */
  readonly insecure?: boolean;
  /** Accepted status codes: inclusive range, default [200, 399]. */
  readonly status?: readonly [number, number];
  /** Header that must be present and match; its value is reported as identity. */
  readonly header?: HeaderMatch;
}

/** No probe: the destination is always up (or as set by the runtime API). */
export interface NoProbeSpec {
  readonly kind: 'none';
}

/**
 * HAProxy's agent check: a TCP connect to the agent, an optional `send` line,
 * and one reply line of words (`up`, `down`, `drain`, `maint`, `ready`, `N%`)
 * that sets the destination's health, administrative state and weight percent.
 */
export interface AgentProbeSpec {
  readonly kind: 'agent';
  /** The agent's port (HAProxy `agent-port`); default the probe target's port. */
  readonly port?: number;
  /** Text written after connect (HAProxy `agent-send`), e.g. `"web/s1\n"`. */
  readonly send?: string;
}

/**
 * An external check (keepalived `MISC_CHECK`): runs `argv` without a shell,
 * with a minimal environment and a hard timeout; exit 0 = up, other = down.
 * With `dynamic` (keepalived `misc_dynamic`), exit 2..255 = up with weight `code - 2`.
 */
export interface ExecProbeSpec {
  readonly kind: 'exec';
  /**
   * Absolute program path, then its arguments (no shell). `{address}` and
   * `{port}` in an argument become the probe target's; the program also gets
   * them as `LBKIT_ADDRESS` and `LBKIT_PORT`.
   */
  readonly argv: readonly string[];
  /** keepalived's `misc_dynamic`: exit 2..255 sets the weight to `code - 2`. */
  readonly dynamic?: boolean;
}

/** A probe specification: data, built into a `Probe` by a `ProbeFactory`. */
export type ProbeSpec =
  | TcpProbeSpec
  | DnsProbeSpec
  | HttpProbeSpec
  | NoProbeSpec
  | AgentProbeSpec
  | ExecProbeSpec;

/** Health-check timing and thresholds. All durations in milliseconds. */
export interface HealthSettings {
  /** Delay between checks in a steady state. Default 2000. */
  readonly interval: number;
  /** Delay between checks while a state is changing (a count is under way). Default 500. */
  readonly fastInterval: number;
  /** Delay between checks while down. Default = interval. */
  readonly downInterval: number;
  /** Bound on a whole check (connect + request + response). Default 1000. */
  readonly timeout: number;
  /** Consecutive successes to become up. Default 2. */
  readonly rise: number;
  /** Consecutive failures to become down. Default 2. */
  readonly fall: number;
  /** Random start delay in [0, jitter) so checks spread out. Default = interval. */
  readonly jitter: number;
  /** State before the first verdict. Default `unknown`. */
  readonly initial: InitialState;
}

/** A virtual service and its real servers. */
export interface Service {
  /** `^[A-Za-z][A-Za-z0-9_-]{0,31}$`, unique. Kernel object names derive from it. */
  readonly name: string;
  readonly key: ServiceKey;
  /** `key.vip` parsed: set by the validators (see `Destination.parsed`). */
  readonly parsedVip?: ParsedAddress;
  readonly scheduler: Scheduler;
  readonly destinations: readonly Destination[];
  readonly probe: ProbeSpec;
  readonly health: HealthSettings;
  readonly whenEmpty: WhenEmpty;
  readonly downAction: DownAction;
  /**
   * Client affinity timeout in seconds (0 = none): a client's new flows go to
   * the destination it was given until it has made no new flow for this long.
   * IPVS: the service's persistence timeout (its template also lasts while a
   * connection it placed is open). nftables: a dynamic set of client
   * addresses per destination (backend-nftables README, "Persistence").
   */
  readonly persistence: number;
  /**
   * Least total weight of live destinations (health up, admin enabled) to
   * serve normally (keepalived `quorum`); below it only `sorry` serves, or
   * the `whenEmpty` verdict applies. Absent = no quorum (1 when `sorry` is set).
   */
  readonly quorum?: number;
  /** The sorry/backup destination used only below the quorum (keepalived `sorry_server`); not probed. */
  readonly sorry?: Destination;
  /**
   * HAProxy's `slowstart` in ms (absent or 0 = off): a destination that
   * recovers gets its weight ramped from a small share to full over this time
   * (see `slow-start.ts`). Needs a weighted scheduler.
   */
  readonly slowStart?: number;
  /** Forwarding method; absent = `nat`. `route`/`tunnel` need the IPVS backend. */
  readonly forward?: Forwarding;
}

/** Defaults used by the validators when a field is not given. */
export const DEFAULT_HEALTH: HealthSettings = {
  interval: 2000,
  fastInterval: 500,
  downInterval: 2000,
  timeout: 1000,
  rise: 2,
  fall: 2,
  jitter: 2000,
  initial: 'unknown',
};
