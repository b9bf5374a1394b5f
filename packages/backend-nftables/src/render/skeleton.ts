import type { IpFamily, Protocol } from '@lbkit/core';
import { CHAIN, MAP, TABLE_FAMILY } from '../names.js';
import type { ResolvedRenderOptions } from './options.js';
import { familyKeyword, type RenderedElement, type RenderedService } from './service.js';

const FAMILIES: readonly IpFamily[] = [4, 6];
const PROTOCOLS: readonly Protocol[] = ['tcp', 'udp'];

/** `inet <table>`: the object prefix of every command. */
export const tableRef = (options: ResolvedRenderOptions): string =>
  `${TABLE_FAMILY} ${options.table}`;

const addrType = (family: IpFamily): string => (family === 4 ? 'ipv4_addr' : 'ipv6_addr');

/**
 * The fixed part of the table: dispatch maps, flow sets and base chains, with
 * their rules (backend maps come with the services that use them). Depends
 * only on the options, never on services, so incremental changes never touch it.
 */
export function renderSkeleton(options: ResolvedRenderOptions): string[] {
  const t = tableRef(options);
  const lines: string[] = [];
  for (const f of FAMILIES) {
    lines.push(
      `add map ${t} ${MAP.services[f]} { type ${addrType(f)} . inet_proto . inet_service : verdict ; }`,
    );
  }
  for (const f of FAMILIES) {
    const key = `${addrType(f)} . inet_proto . inet_service . ${addrType(f)} . inet_service`;
    const counter = options.counters ? ' counter ;' : '';
    lines.push(`add set ${t} ${MAP.flows[f]} { type ${key} ;${counter} }`);
  }
  const dispatch = (chain: string): void => {
    for (const f of FAMILIES) {
      const ipk = familyKeyword(f);
      lines.push(
        `add rule ${t} ${chain} ${ipk} daddr . meta l4proto . th dport vmap @${MAP.services[f]}`,
      );
    }
  };
  if (options.hooks.prerouting) {
    lines.push(
      `add chain ${t} ${CHAIN.prerouting} { type nat hook prerouting priority dstnat ; policy accept ; }`,
    );
    dispatch(CHAIN.prerouting);
  }
  if (options.hooks.output) {
    lines.push(
      `add chain ${t} ${CHAIN.output} { type nat hook output priority -100 ; policy accept ; }`,
    );
    dispatch(CHAIN.output);
  }
  // Original (vip, proto, vport) + translated (daddr, dport): identifies one balanced flow.
  const flowKey = (f: IpFamily, p: Protocol, reply: boolean): string => {
    const ipk = familyKeyword(f);
    const dst = reply ? `ct reply ${ipk} saddr . ct reply proto-src` : `${ipk} daddr . ${p} dport`;
    return `ct original ${ipk} daddr . meta l4proto . ct original proto-dst . ${dst}`;
  };
  if (options.counters || options.masquerade) {
    lines.push(
      `add chain ${t} ${CHAIN.postrouting} { type nat hook postrouting priority srcnat ; policy accept ; }`,
    );
    const masq = options.masquerade ? ' masquerade' : '';
    for (const f of FAMILIES) {
      for (const p of PROTOCOLS) {
        // A lookup in a set declared with `counter` bumps the element's counter.
        const match = `${flowKey(f, p, false)} @${MAP.flows[f]}`;
        lines.push(`add rule ${t} ${CHAIN.postrouting} meta l4proto ${p} ${match}${masq}`);
      }
    }
  }
  if (options.forwardMark !== undefined) {
    lines.push(
      `add chain ${t} ${CHAIN.forward} { type filter hook forward priority -10 ; policy accept ; }`,
    );
    for (const f of FAMILIES) {
      for (const p of PROTOCOLS) {
        lines.push(
          `add rule ${t} ${CHAIN.forward} meta l4proto ${p} ${flowKey(f, p, true)} @${MAP.flows[f]} meta mark set ${options.forwardMark}`,
        );
      }
    }
  }
  return lines;
}

/**
 * One element command as data: `<verb> element inet T <map> { ... }`. The
 * text (`renderElements`) and the netlink element path are both made from
 * these groups, so they can never disagree.
 */
export interface ElementOp {
  readonly verb: 'add' | 'delete';
  readonly map: string;
  /** The elements, in emit order (a `delete` ignores their values). */
  readonly elements: readonly RenderedElement[];
}

/** Groups elements into one op per map (in first-seen order). */
export function groupElements(
  verb: 'add' | 'delete',
  elements: readonly RenderedElement[],
): ElementOp[] {
  const byMap = new Map<string, RenderedElement[]>();
  for (const e of elements) {
    const list = byMap.get(e.map);
    if (list) list.push(e);
    else byMap.set(e.map, [e]);
  }
  return [...byMap].map(([map, list]) => ({ verb, map, elements: list }));
}

/** The nft text of one element op. */
export function renderElementOp(op: ElementOp, options: ResolvedRenderOptions): string {
  const items = op.elements.map((e) =>
    op.verb === 'add' && e.value !== undefined ? `${e.key} : ${e.value}` : e.key,
  );
  return `${op.verb} element ${tableRef(options)} ${op.map} { ${items.join(', ')} }`;
}

/** `add element` lines for a list of elements, one line per map (in first-seen order). */
export function renderElements(
  verb: 'add' | 'delete',
  elements: readonly RenderedElement[],
  options: ResolvedRenderOptions,
): string[] {
  return groupElements(verb, elements).map((op) => renderElementOp(op, options));
}

/** The declaration of a backend map (created when a service first uses it; `add` is idempotent). */
export function backendMapDeclaration(
  svc: RenderedService,
  options: ResolvedRenderOptions,
): string {
  const ipk = familyKeyword(svc.family);
  const p = svc.protocol;
  const typeOf = `typeof ${ipk} daddr . ${p} dport . numgen inc mod 2 : ${ipk} daddr . ${p} dport`;
  return `add map ${tableRef(options)} ${svc.backendMap} { ${typeOf} ; }`;
}

/**
 * Lines creating services: the backend maps they use, every chain, then every rule, then their elements,
 * one `add element` per map (after the chains their `goto` elements name).
 * Rules come before elements on purpose: binding a rule to a map makes the
 * kernel walk the map's elements (`nf_tables_bind_set`), which is free while
 * the map is still empty.
 */
export function renderServicesAdd(
  services: Iterable<RenderedService>,
  options: ResolvedRenderOptions,
): string[] {
  const t = tableRef(options);
  const maps = new Map<string, string>();
  const chains: string[] = [];
  const rules: string[] = [];
  const elements: RenderedElement[] = [];
  for (const svc of services) {
    if (!maps.has(svc.backendMap)) maps.set(svc.backendMap, backendMapDeclaration(svc, options));
    chains.push(`add chain ${t} ${svc.chain}`);
    for (const r of svc.rules) rules.push(`add rule ${t} ${svc.chain} ${r}`);
    for (const e of svc.elements) elements.push(e);
  }
  return [...maps.values(), ...chains, ...rules, ...renderElements('add', elements, options)];
}
