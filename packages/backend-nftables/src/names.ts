/**
 * Every nft object name lbkit uses. Fixed names are constants; names derived
 * from the model are built only from validated model names (`NAME_PATTERN`),
 * always behind a fixed prefix, so a user-chosen name can never be an nft
 * keyword, another object's name, or nft syntax.
 * @module
 */
import { type BackendError, backendError } from '@lbkit/core';
import { err, ok, type Result } from 'neverthrow';

/** Model and table names: a letter, then up to 31 letters, digits, `_` or `-`. */
export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

/** Default table name (family `inet`). */
export const DEFAULT_TABLE = 'lbkit';

/** The table family: one `inet` table serves IPv4 and IPv6. */
export const TABLE_FAMILY = 'inet';

/** Fixed chain names (base chains). */
export const CHAIN = {
  /** nat prerouting at `dstnat` priority: the O(1) service dispatch. */
  prerouting: 'prerouting',
  /** nat output at `dstnat` priority: dispatch for clients on the balancer itself. */
  output: 'output',
  /** nat postrouting at `srcnat`: per-destination flow counters (+ masquerade or snat). */
  postrouting: 'postrouting',
  /** filter forward at priority -10: `forwardMark` for balanced traffic. */
  forward: 'forward',
  /** Regular chain: `meta l4proto tcp reject with tcp reset` (a TCP service without destination). */
  emptyRejectTcp: 'empty_reject_tcp',
  /** Regular chain: `reject with icmpx port-unreachable` (a UDP service without destination). */
  emptyRejectUdp: 'empty_reject_udp',
} as const;

/** Fixed map names, per IP family. */
export const MAP = {
  /** `daddr . l4proto . dport : verdict` -> `jump svc_<name>`. */
  services: { 4: 'services4', 6: 'services6' },
  /**
   * `daddr . l4proto . dport : verdict` -> the empty verdict of each service
   * (`goto empty_reject_tcp|udp` or `drop`), looked up after `services<f>`:
   * reached only when the service chain found no destination and returned.
   */
  empty: { 4: 'empty4', 6: 'empty6' },
  /**
   * Prefix of the backend maps `<prefix>_<shard>` (see `backendMapName`):
   * `vip . vport . slot : addr . port` per family and protocol, one element per
   * slot (no `flags interval`: nft fetches every element of an interval map on
   * each change). Per protocol because nft 1.0.6 mis-parses a `typeof` key
   * mixing `meta l4proto` and `th dport` when it reloads its cache.
   */
  backends: {
    4: { tcp: 'backends4_tcp', udp: 'backends4_udp' },
    6: { tcp: 'backends6_tcp', udp: 'backends6_udp' },
  },
  /**
   * Set `vip . l4proto . vport . daddr . dport` of every configured (vip,
   * destination) pair; with `counters` on, each element carries its own counter
   * (new flows DNATed to that destination).
   */
  flows: { 4: 'flows4', 6: 'flows6' },
} as const;

/**
 * Backend map of shard `shard`: `backends4_tcp_17`. A service's slots live in
 * the shard `fnv1a32(service name) mod backendShards` of its family and
 * protocol, so each map is bound by a few service rules only: the kernel checks
 * every added element against every rule bound to its map, so one shared map
 * makes a cold apply quadratic.
 */
export const backendMapName = (family: 4 | 6, protocol: 'tcp' | 'udp', shard: number): string =>
  `${MAP.backends[family][protocol]}_${shard}`;

/** FNV-1a 32-bit over the UTF-16 code units of `text`, from `basis` (shards, Maglev). */
export function fnv1a32(text: string, basis = 0x811c9dc5): number {
  let h = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i) & 0xff;
    h = Math.imul(h, 0x01000193) >>> 0;
    h ^= text.charCodeAt(i) >>> 8;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The backend map of service `service` (validated name) for `shards` shards. */
export const serviceBackendMap = (
  service: string,
  family: 4 | 6,
  protocol: 'tcp' | 'udp',
  shards: number,
): string => backendMapName(family, protocol, fnv1a32(service) % shards);

/** Seed of every `jhash` we emit (fixed so hashing survives restarts and can be traced). */
export const JHASH_SEED = 0x4c424b54;

/** Prefix of per-service chains. */
export const SERVICE_PREFIX = 'svc_';
/** Prefix of per-destination counters. */
export const DESTINATION_PREFIX = 'dst_';

/** True when `name` is a valid model / table name. */
export const isValidName = (name: string): boolean => NAME_PATTERN.test(name);

/** Validates a name; `what` describes it in the error message. */
export function validateName(name: string, what: string): Result<string, BackendError> {
  if (typeof name === 'string' && isValidName(name)) return ok(name);
  return err(
    backendError(
      'rejected',
      `invalid ${what} name ${JSON.stringify(String(name)).slice(0, 80)}: must match ${NAME_PATTERN.source}`,
    ),
  );
}

/** Chain of a service: `svc_<service>`. The caller validated `service`. */
export const serviceChainName = (service: string): string => `${SERVICE_PREFIX}${service}`;

/**
 * Former named counter of a service, `svc_<service>`. Since 0.2 the service
 * counter is an anonymous counter inside the service chain's rule; kept for
 * callers that parse older tables.
 */
export const serviceCounterName = (service: string): string => `${SERVICE_PREFIX}${service}`;

/**
 * Former named counter of a destination, `dst_<service>.<destination>` (since
 * 0.2 destination counters are element counters of `flows4/6`); kept for
 * callers that parse older tables.
 * `.` never occurs in model names, so the pair is unambiguous.
 */
export const destinationCounterName = (service: string, destination: string): string =>
  `${DESTINATION_PREFIX}${service}.${destination}`;

/** Parses a service chain name back to the service name, or `undefined`. */
export function serviceFromChain(chain: string): string | undefined {
  if (!chain.startsWith(SERVICE_PREFIX)) return undefined;
  const name = chain.slice(SERVICE_PREFIX.length);
  return isValidName(name) ? name : undefined;
}

/** Parses a destination counter name back to `{ service, destination }`, or `undefined`. */
export function parseDestinationCounter(
  counter: string,
): { service: string; destination: string } | undefined {
  if (!counter.startsWith(DESTINATION_PREFIX)) return undefined;
  const [service, destination, ...rest] = counter.slice(DESTINATION_PREFIX.length).split('.');
  if (rest.length > 0 || !service || !destination) return undefined;
  if (!isValidName(service) || !isValidName(destination)) return undefined;
  return { service, destination };
}
