/**
 * Client affinity (`persistence`, seconds) on nftables, laid out like
 * kube-proxy's nftables ClientIP affinity: one dynamic set per (service,
 * destination) keyed by the client's source address, checked before the
 * scheduler. For service `web` with live destinations A, B (IPv4, TCP,
 * persistence 300):
 *
 * ```
 * add set inet lbkit aff3_web_A { type ipv4_addr ; flags dynamic,timeout ; timeout 300s ; }
 * add map inet lbkit pick_web { typeof numgen inc mod 2 : verdict ; }
 * add chain inet lbkit aff3_web_A
 * add rule inet lbkit aff3_web_A update @aff3_web_A { ip saddr }
 * add rule inet lbkit aff3_web_A meta l4proto tcp dnat ip to 192.0.2.11:80
 * add rule inet lbkit svc_web counter
 * add rule inet lbkit svc_web ip saddr @aff3_web_A goto aff3_web_A
 * add rule inet lbkit svc_web ip saddr @aff3_web_B goto aff3_web_B
 * add rule inet lbkit svc_web numgen inc mod 6 vmap @pick_web
 * add element inet lbkit pick_web { 0 : goto aff3_web_A, 1 : goto aff3_web_B, ... }
 * ```
 *
 * A new flow from a client in a destination's set goes to that destination
 * (and refreshes the timeout); any other is placed by the scheduler (the same
 * slots as without persistence, `slots.ts`, but the slot names the
 * destination's chain instead of its address), whose chain records the client
 * and DNATs. `update` is a rule of its own: when a set is full (65,535
 * clients, nft's default size) the update fails and only the recording is
 * skipped, never the DNAT. A destination that leaves (down, drained,
 * removed) loses its chain, rule and set in the same transaction, so its
 * clients are placed again at once; the sets of the others are not touched.
 * Why not one map `saddr : destination` per service (dynset with data,
 * supported by the kernel): the elements of a destination that leaves could
 * then only be found by dumping the map, outside the transaction.
 * @module
 */
import type { IpFamily, ParsedAddress, Protocol } from '@lbkit/core';
import { affinityName, pickMapName } from '../names.js';
import type { RenderedElement, RuleSpec, Selector, SetDecl } from './commands.js';

/** A regular chain a service owns besides its own, with its rules. */
export interface OwnedChain {
  readonly name: string;
  readonly rules: readonly RuleSpec[];
}

/** What persistence adds to a service: its sets, its destination chains, its chain's rules, its pick elements. */
export interface AffinityParts {
  /** Affinity sets (one per live destination) and the pick map, in declaration order. */
  readonly sets: readonly SetDecl[];
  /** One chain per live destination: `update` then `dnat`. */
  readonly chains: readonly OwnedChain[];
  /** The service chain's rules: `counter`, one `sticky` per live destination, `pick`. */
  readonly rules: readonly RuleSpec[];
  /** The pick map's elements: slot -> `goto` destination chain. */
  readonly elements: readonly RenderedElement[];
}

/** One live destination of a service with persistence. */
export interface AffinityTarget {
  readonly name: string;
  readonly address: ParsedAddress;
  readonly port: number;
}

/** The service it belongs to and how its scheduler picks. */
export interface AffinityService {
  readonly name: string;
  readonly family: IpFamily;
  readonly protocol: Protocol;
  /** Seconds, > 0. */
  readonly persistence: number;
  readonly counter: boolean;
  readonly selector: Selector;
  /** `slots[s]` = index into `live` of slot `s` (`slots.ts`, `maglev.ts`). */
  readonly slots: readonly number[];
}

/** Renders the affinity layout of one service (names and addresses validated by the caller). */
export function affinityParts(
  service: AffinityService,
  live: readonly AffinityTarget[],
): AffinityParts {
  const { family, protocol } = service;
  const pick = pickMapName(service.name);
  const sets: SetDecl[] = [];
  const chains: OwnedChain[] = [];
  const rules: RuleSpec[] = service.counter ? [{ kind: 'count' }] : [];
  for (const d of live) {
    const name = affinityName(service.name, d.name);
    sets.push({ kind: 'affinity', name, family, timeout: service.persistence });
    chains.push({
      name,
      rules: [
        { kind: 'remember', family, set: name },
        { kind: 'dnatTo', family, protocol, address: d.address, port: d.port },
      ],
    });
    rules.push({ kind: 'sticky', family, set: name, chain: name });
  }
  sets.push({ kind: 'pick', name: pick });
  rules.push({ kind: 'pick', family, selector: service.selector, map: pick });
  const elements: RenderedElement[] = service.slots.map((target, slot) => ({
    map: pick,
    key: [slot],
    value: { kind: 'goto', chain: affinityName(service.name, live[target]!.name) },
  }));
  return { sets, chains, rules, elements };
}
