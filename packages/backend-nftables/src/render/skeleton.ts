import type { IpFamily, Protocol } from '@lbkit/core';
import { ITEMS_PER_STEP, runAll, type Steps } from '@lbkit/netlink';
import { CHAIN, MAP } from '../names.js';
import {
  type ChainDecl,
  ElementGrouper,
  type FlowAction,
  type NftCommand,
  type SetDecl,
} from './commands.js';
import type { ResolvedRenderOptions } from './options.js';
import type { RenderedService } from './service.js';

const FAMILIES: readonly IpFamily[] = [4, 6];
const PROTOCOLS: readonly Protocol[] = ['tcp', 'udp'];

const addChain = (chain: ChainDecl): NftCommand => ({ verb: 'add', object: 'chain', chain });
const addSet = (set: SetDecl): NftCommand => ({ verb: 'add', object: 'set', set });

/**
 * The fixed part of the table: dispatch maps, flow sets and base chains, with
 * their rules (slot maps come with the services that use them). Depends
 * only on the options, never on services, so incremental changes never touch it.
 */
export function skeletonCommands(options: ResolvedRenderOptions): NftCommand[] {
  const out: NftCommand[] = [];
  for (const family of FAMILIES) {
    out.push(addSet({ kind: 'dispatch', name: MAP.services[family], family, counter: false }));
  }
  for (const family of FAMILIES) {
    out.push(addSet({ kind: 'dispatch', name: MAP.empty[family], family, counter: false }));
  }
  for (const family of FAMILIES) {
    out.push(addSet({ kind: 'flows', name: MAP.flows[family], family, counter: options.counters }));
  }
  // The empty verdicts: a service without destination goes here (via empty<f>).
  for (const [name, protocol] of [
    [CHAIN.emptyRejectTcp, 'tcp'],
    [CHAIN.emptyRejectUdp, 'udp'],
  ] as const) {
    out.push(addChain({ name }));
    out.push({ verb: 'add', object: 'rule', chain: name, rule: { kind: 'empty', protocol } });
  }
  // `jump` to the service chain; when it finds no destination it returns, and
  // the service's empty verdict is looked up next: never a fall-through.
  const dispatch = (chain: string): void => {
    for (const maps of [MAP.services, MAP.empty]) {
      for (const family of FAMILIES) {
        out.push({
          verb: 'add',
          object: 'rule',
          chain,
          rule: { kind: 'dispatch', family, map: maps[family] },
        });
      }
    }
  };
  if (options.hooks.prerouting) {
    const hook = { type: 'nat', hook: 'prerouting', priority: 'dstnat' } as const;
    out.push(addChain({ name: CHAIN.prerouting, hook }));
    dispatch(CHAIN.prerouting);
  }
  if (options.hooks.output) {
    out.push(
      addChain({ name: CHAIN.output, hook: { type: 'nat', hook: 'output', priority: -100 } }),
    );
    dispatch(CHAIN.output);
  }
  // Original (vip, proto, vport) + translated (daddr, dport): identifies one balanced flow.
  // A lookup in a set declared with `counter` bumps the element's counter.
  const flows = (
    chain: string,
    match: 'translated' | 'reply',
    actionOf: (family: IpFamily) => FlowAction,
  ): void => {
    for (const family of FAMILIES) {
      const then = actionOf(family);
      for (const protocol of PROTOCOLS) {
        const rule = {
          kind: 'flow',
          family,
          protocol,
          match,
          set: MAP.flows[family],
          then,
        } as const;
        out.push({ verb: 'add', object: 'rule', chain, rule });
      }
    }
  };
  const snat = (family: IpFamily): FlowAction => {
    const address = options.snat[family];
    if (address !== undefined) return { snat: address };
    return options.masquerade ? 'masquerade' : 'none';
  };
  const snatting = options.masquerade || Object.keys(options.snat).length > 0;
  if (options.counters || snatting) {
    const hook = { type: 'nat', hook: 'postrouting', priority: 'srcnat' } as const;
    out.push(addChain({ name: CHAIN.postrouting, hook }));
    flows(CHAIN.postrouting, 'translated', snat);
  }
  const mark = options.forwardMark;
  if (mark !== undefined) {
    const hook = { type: 'filter', hook: 'forward', priority: -10 } as const;
    out.push(addChain({ name: CHAIN.forward, hook }));
    flows(CHAIN.forward, 'reply', () => ({ mark }));
  }
  return out;
}

/**
 * Commands creating services: the slot maps they use, every chain, then
 * every rule, then their elements, one `add element` per map (after the chains
 * their `goto` elements name). Rules come before elements on purpose: binding
 * a rule to a map makes the kernel walk the map's elements
 * (`nf_tables_bind_set`), which is free while the map is still empty.
 */
export function servicesAddCommands(services: Iterable<RenderedService>): NftCommand[] {
  return runAll(servicesAddCommandsSteps(services));
}

/** `servicesAddCommands` as steps: it yields every `ITEMS_PER_STEP` services. */
export function* servicesAddCommandsSteps(
  services: Iterable<RenderedService>,
): Steps<NftCommand[]> {
  const maps = new Map<string, NftCommand>();
  const chains: NftCommand[] = [];
  const rules: NftCommand[] = [];
  const elements = new ElementGrouper();
  let done = 0;
  for (const svc of services) {
    if (++done % ITEMS_PER_STEP === 0) yield;
    if (svc.slotMap && !maps.has(svc.slotMap.name)) maps.set(svc.slotMap.name, addSet(svc.slotMap));
    for (const set of svc.affinity?.sets ?? []) maps.set(set.name, addSet(set));
    for (const own of svc.affinity?.chains ?? []) {
      chains.push(addChain({ name: own.name }));
      for (const rule of own.rules)
        rules.push({ verb: 'add', object: 'rule', chain: own.name, rule });
    }
    chains.push(addChain({ name: svc.chain }));
    for (const rule of svc.rules)
      rules.push({ verb: 'add', object: 'rule', chain: svc.chain, rule });
    elements.add(svc.elements);
  }
  return [...maps.values(), ...chains, ...rules, ...elements.ops('add')];
}
