/**
 * The commands lbkit sends to nf_tables, as data. Rendering produces these;
 * `print.ts` turns them into nft text (goldens, the nft transports, FakeNft)
 * and `transport/nft-batch-encode.ts` into ONE netlink batch. Both are made
 * from the same commands, so the text and the wire can never disagree.
 *
 * Every rule is one of a few fixed templates (`RuleSpec`): the dialect is
 * closed on purpose, which is what lets the encoder reproduce exactly what nft
 * would send for the same text (checked byte for byte in the tests).
 * @module
 */
import type { IpFamily, ParsedAddress, Protocol } from '@lbkit/core';

/**
 * One component of an element key or value: an address (parsed, from the
 * validated model: the text printer takes its canonical text, the netlink
 * encoder its bytes; or canonical text), `tcp`/`udp`, a port or a slot.
 */
export type ElementPart = ParsedAddress | string | number;

/** A verdict-map value: `jump <chain>`, `goto <chain>` or `drop`. */
export type Verdict =
  | { readonly kind: 'jump' | 'goto'; readonly chain: string }
  | { readonly kind: 'drop' };

/** One element we emit: `<key> [: <value>]` in set or map `map`. */
export interface RenderedElement {
  readonly map: string;
  /** Key components in order (`vip . vport . slot`, `vip . tcp . vport`, ...). */
  readonly key: readonly ElementPart[];
  /** Absent for set elements. */
  readonly value?: readonly ElementPart[] | Verdict;
}

/**
 * A set or map we declare. Its name fixes its layout (`elementLayout` in the
 * encoder): `services<f>` and `empty<f>` (dispatch maps, `addr . inet_proto .
 * inet_service : verdict`), `flows<f>` (`addr . inet_proto . inet_service .
 * addr . inet_service`), `slots<f>_<proto>_<shard>` (`typeof <ip> daddr .
 * <proto> dport . numgen inc mod 2 : <ip> daddr . <proto> dport`). `counter`:
 * every element counts the packets that match it.
 */
export type SetDecl =
  | {
      readonly kind: 'dispatch';
      readonly name: string;
      readonly family: IpFamily;
      readonly counter: boolean;
    }
  | {
      readonly kind: 'flows';
      readonly name: string;
      readonly family: IpFamily;
      readonly counter: boolean;
    }
  | {
      readonly kind: 'slots';
      readonly name: string;
      readonly family: IpFamily;
      readonly protocol: Protocol;
    }
  /**
   * `aff<n>_<service>_<destination>` (persistence): the clients stuck to one
   * destination, `type <addr> ; flags dynamic,timeout ; timeout <s>s`. The
   * kernel adds and refreshes its elements (`update @set { <ip> saddr }`);
   * lbkit never writes one, and drift checks do not compare them.
   */
  | {
      readonly kind: 'affinity';
      readonly name: string;
      readonly family: IpFamily;
      /** Seconds (the service's `persistence`, > 0). */
      readonly timeout: number;
    }
  /**
   * `pick_<service>` (persistence): the scheduler's slot -> `goto` the chosen
   * destination's affinity chain, `typeof numgen inc mod 2 : verdict`.
   */
  | { readonly kind: 'pick'; readonly name: string };

/** The hook of a base chain (policy is always `accept`). */
export interface ChainHook {
  readonly type: 'nat' | 'filter';
  readonly hook: 'prerouting' | 'output' | 'postrouting' | 'forward';
  /** A number, or nft's named nat priorities (`dstnat` = -100, `srcnat` = 100). */
  readonly priority: number | 'dstnat' | 'srcnat';
}

/** A chain we declare: a base chain (with `hook`) or a regular one. */
export interface ChainDecl {
  readonly name: string;
  readonly hook?: ChainHook;
}

/** How a service rule picks a slot: `numgen inc|random mod K` or `jhash <ip> saddr mod K seed S`. */
export type Selector =
  | { readonly kind: 'numgen'; readonly mode: 'inc' | 'random'; readonly modulus: number }
  | { readonly kind: 'jhash'; readonly modulus: number; readonly seed: number };

/**
 * What a `flow` rule does to a matching packet: nothing (it only counts),
 * `masquerade`, `snat <ip> to <address>` (a fixed, canonical address of the
 * rule's family) or `meta mark set <mark>`.
 */
export type FlowAction =
  | 'none'
  | 'masquerade'
  | { readonly snat: string }
  | { readonly mark: number };

/**
 * Every rule we emit, as a template and its parameters.
 * - `dispatch`: `<ip> daddr . meta l4proto . th dport vmap @<map>`
 * - `flow`: `meta l4proto <p> ct original <ip> daddr . meta l4proto . ct original
 *   proto-dst . <dst> @<set>` where `<dst>` is `<ip> daddr . <p> dport`
 *   (`match: 'translated'`, nat postrouting) or `ct reply <ip> saddr . ct reply
 *   proto-src` (`match: 'reply'`, filter forward); then `masquerade`, `snat <ip>
 *   to <address>`, `meta mark set <mark>`, or nothing.
 * - `dnat`: `meta l4proto <p> [counter] dnat <ip> to <ip> daddr . <p> dport .
 *   <selector> map @<map>` (the counter comes before the lookup: it counts
 *   every new flow of the service, also those that find no destination)
 * - `empty`: `meta l4proto tcp reject with tcp reset` or `reject with icmpx
 *   port-unreachable` (the rules of the shared empty chains).
 */
export type RuleSpec =
  | { readonly kind: 'dispatch'; readonly family: IpFamily; readonly map: string }
  | {
      readonly kind: 'flow';
      readonly family: IpFamily;
      readonly protocol: Protocol;
      readonly match: 'translated' | 'reply';
      readonly set: string;
      readonly then: FlowAction;
    }
  | {
      readonly kind: 'dnat';
      readonly family: IpFamily;
      readonly protocol: Protocol;
      readonly counter: boolean;
      readonly selector: Selector;
      readonly map: string;
    }
  | { readonly kind: 'empty'; readonly protocol: Protocol }
  // The rules of a service with persistence (see `render/affinity.ts`):
  /** `counter`: the service's new flows, sticky ones included. */
  | { readonly kind: 'count' }
  /** `<ip> saddr @<set> goto <chain>`: a client stuck to a destination goes to it. */
  | {
      readonly kind: 'sticky';
      readonly family: IpFamily;
      readonly set: string;
      readonly chain: string;
    }
  /** `<selector> vmap @<map>`: the scheduler picks a slot, the slot names a destination chain. */
  | {
      readonly kind: 'pick';
      readonly family: IpFamily;
      readonly selector: Selector;
      readonly map: string;
    }
  /** `update @<set> { <ip> saddr }`: records (or refreshes) the client's affinity. */
  | { readonly kind: 'remember'; readonly family: IpFamily; readonly set: string }
  /** `meta l4proto <p> dnat <ip> to <address>:<port>` (IPv6: `[<address>]:<port>`). */
  | {
      readonly kind: 'dnatTo';
      readonly family: IpFamily;
      readonly protocol: Protocol;
      readonly address: ParsedAddress;
      readonly port: number;
    };

/** `add|delete element` on one set or map: one command, many elements. */
export interface ElementOp {
  readonly verb: 'add' | 'delete';
  readonly object: 'element';
  readonly map: string;
  /** The elements, in emit order (a `delete` ignores their values). */
  readonly elements: readonly RenderedElement[];
}

/** One command of a transaction, on the instance's table (`inet <table>`). */
export type NftCommand =
  /** `add table` (with the comment lbkit marks its tables with) or `delete table`. */
  | { readonly verb: 'add'; readonly object: 'table'; readonly comment?: string }
  | { readonly verb: 'delete'; readonly object: 'table' }
  | { readonly verb: 'add'; readonly object: 'set'; readonly set: SetDecl }
  /** `delete set` / `delete map` (`map`): a service's own affinity set or pick map. */
  | {
      readonly verb: 'delete';
      readonly object: 'set';
      readonly name: string;
      readonly map: boolean;
    }
  | { readonly verb: 'add'; readonly object: 'chain'; readonly chain: ChainDecl }
  | { readonly verb: 'delete' | 'flush'; readonly object: 'chain'; readonly name: string }
  | {
      readonly verb: 'add';
      readonly object: 'rule';
      readonly chain: string;
      readonly rule: RuleSpec;
    }
  | ElementOp;

/** Collects elements into one op per map, maps in first-seen order. */
export class ElementGrouper {
  private readonly byMap = new Map<string, RenderedElement[]>();

  /** Adds elements in emit order. */
  add(elements: readonly RenderedElement[]): void {
    let list: RenderedElement[] | undefined;
    let listMap = '';
    for (const e of elements) {
      if (list === undefined || e.map !== listMap) {
        listMap = e.map;
        list = this.byMap.get(listMap);
        if (!list) {
          list = [];
          this.byMap.set(listMap, list);
        }
      }
      list.push(e);
    }
  }

  /** The ops, one per map. */
  ops(verb: 'add' | 'delete'): ElementOp[] {
    return [...this.byMap].map(([map, list]) => ({ verb, object: 'element', map, elements: list }));
  }
}

/** Groups elements into one op per map (in first-seen order). */
export function groupElements(
  verb: 'add' | 'delete',
  elements: readonly RenderedElement[],
): ElementOp[] {
  const grouper = new ElementGrouper();
  grouper.add(elements);
  return grouper.ops(verb);
}
