/**
 * Every nft object name lbkit uses. Fixed names are constants; names derived
 * from the model are built only from validated model names (`NAME_PATTERN`),
 * always behind a fixed prefix, so a user-chosen name can never be an nft
 * keyword, another object's name, or nft syntax.
 * @module
 */
import { type BackendError, backendError, isValidName, NAME_PATTERN } from '@lbkit/core';
import { err, ok, type Result } from 'neverthrow';

/** Default table name (family `inet`). */
export const DEFAULT_TABLE = 'lbkit';

/**
 * The comment lbkit gives every table it creates (`NFTA_TABLE_USERDATA`,
 * shown by `nft list`): a table without it was not made by lbkit and is
 * never modified or deleted.
 */
export const TABLE_COMMENT = 'managed by lbkit';

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
   * Prefix of the slot maps `<prefix>_<shard>` (see `slotMapName`):
   * `vip . vport . slot : addr . port` per family and protocol, one element per
   * slot (no `flags interval`: nft fetches every element of an interval map on
   * each change). Per protocol because nft 1.0.6 mis-parses a `typeof` key
   * mixing `meta l4proto` and `th dport` when it reloads its cache.
   */
  slots: {
    4: { tcp: 'slots4_tcp', udp: 'slots4_udp' },
    6: { tcp: 'slots6_tcp', udp: 'slots6_udp' },
  },
  /**
   * Set `vip . l4proto . vport . daddr . dport` of every configured (vip,
   * destination) pair; with `counters` on, each element carries its own counter
   * (new flows DNATed to that destination).
   */
  flows: { 4: 'flows4', 6: 'flows6' },
} as const;

/**
 * Slot map of shard `shard`: `slots4_tcp_17`. A service's slots live in
 * the shard `fnv1a32(service name) mod slotMapShards` of its family and
 * protocol, so each map is bound by a few service rules only: the kernel checks
 * every added element against every rule bound to its map, so one shared map
 * makes a cold apply quadratic.
 */
export const slotMapName = (family: 4 | 6, protocol: 'tcp' | 'udp', shard: number): string =>
  `${MAP.slots[family][protocol]}_${shard}`;

/** True for a slot map shard name (`slots4_tcp_17`): a change never deletes one. */
export const isSlotMapName = (name: string): boolean => /^slots[46]_(tcp|udp)_\d+$/.test(name);

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

/** The slot map of service `service` (validated name) for `shards` shards. */
export const serviceSlotMap = (
  service: string,
  family: 4 | 6,
  protocol: 'tcp' | 'udp',
  shards: number,
): string => slotMapName(family, protocol, fnv1a32(service) % shards);

/** Seed of every `jhash` we emit (fixed so hashing survives restarts and can be traced). */
export const JHASH_SEED = 0x4c424b54;

/** Prefix of per-service chains. */
export const SERVICE_PREFIX = 'svc_';

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

/** Parses a service chain name back to the service name, or `undefined`. */
export function serviceFromChain(chain: string): string | undefined {
  if (!chain.startsWith(SERVICE_PREFIX)) return undefined;
  const name = chain.slice(SERVICE_PREFIX.length);
  return isValidName(name) ? name : undefined;
}

/**
 * Affinity set AND chain of one destination of a service with persistence:
 * `aff<length of service>_<service>_<destination>` (`aff3_web_A`). The length
 * makes the name unambiguous (`a_b` + `c` and `a` + `b_c` differ: `aff3_a_b_c`,
 * `aff1_a_b_c`); sets and chains have separate name spaces in nf_tables. Both
 * names validated by the caller.
 */
export const affinityName = (service: string, destination: string): string =>
  `aff${service.length}_${service}_${destination}`;

/** True for an affinity set/chain name (`aff3_web_A`). */
export const isAffinityName = (name: string): boolean => /^aff\d+_/.test(name);

/** Pick map of a service with persistence: `pick_<service>` (slot -> `goto` affinity chain). */
export const pickMapName = (service: string): string => `pick_${service}`;
