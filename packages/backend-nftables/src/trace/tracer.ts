/**
 * Runs a synthetic packet through the ruleset lbkit renders and says where it
 * can go (kube-proxy's tracer style). Understands exactly the rule forms we
 * emit; any other rule is a `parse` error rather than a guess.
 * - `numgen inc|random mod N`: every slot 0..N-1 is reachable.
 * - `jhash ip|ip6 saddr mod N seed S`: the ONE slot the kernel selects for that
 *   source (the kernel's jhash, see `jhash.ts`).
 * @module
 */
import {
  type BackendError,
  backendError,
  type IpFamily,
  type Protocol,
  parseAddress,
} from '@lbkit/core';
import { err, ok, type Result } from 'neverthrow';
import { nftJhashSlot } from './jhash.js';
import { parseScript } from './parse.js';
import {
  applyCommands,
  EMPTY_NFT_STATE,
  type NftMapState,
  type NftState,
  type NftTableState,
} from './state.js';

/** A synthetic packet (the first packet of a flow). */
export interface TracePacket {
  readonly family: IpFamily;
  readonly saddr: string;
  readonly daddr: string;
  readonly protocol: Protocol;
  readonly dport: number;
  /** Which nat hook sees it: `prerouting` (default) or `output`. */
  readonly hook?: 'prerouting' | 'output';
}

/** Where a packet can go: DNAT to any of `destinations` (`addr:port`, IPv6 as `[addr]:port`), or a verdict. */
export type TraceResult =
  | { readonly verdict: 'dnat'; readonly destinations: ReadonlySet<string> }
  | { readonly verdict: 'reject' | 'drop' | 'accept' };

const endpoint = (addr: string, port: string): string =>
  addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;

/** Looks a key up in a map, honouring `a-b` ranges in the last key component. */
function lookup(map: NftMapState, key: string): string | undefined {
  const exact = map.elements.get(key);
  if (exact !== undefined || !map.interval) return exact;
  const cut = key.lastIndexOf(' . ');
  const head = key.slice(0, cut);
  const slot = Number(key.slice(cut + 3));
  for (const [k, v] of map.elements) {
    const c = k.lastIndexOf(' . ');
    if (k.slice(0, c) !== head) continue;
    const [lo, hi] = k
      .slice(c + 3)
      .split('-')
      .map(Number) as [number, number | undefined];
    if (slot >= lo && slot <= (hi ?? lo)) return v;
  }
  return undefined;
}

interface Ctx {
  readonly t: NftTableState;
  readonly p: TracePacket;
  readonly saddr: Uint8Array;
  readonly daddr: string;
}

const ipk = (f: IpFamily): string => (f === 4 ? 'ip' : 'ip6');
/** `<ip> daddr . meta l4proto . th dport vmap @<map>`: family keyword, map. */
export const DISPATCH_RULE = /^(ip6?) daddr \. meta l4proto \. th dport vmap @(\S+)$/;
/**
 * A service rule: protocol, dnat family, daddr family, dport protocol, selector, numgen
 * modulus | jhash family, modulus, seed, and the slot map.
 */
export const DNAT_RULE =
  /^meta l4proto (tcp|udp) (?:counter )?dnat (ip6?) to (ip6?) daddr \. (tcp|udp) dport \. (numgen (?:inc|random) mod (\d+)|jhash (ip6?) saddr mod (\d+) seed (0x[0-9a-f]+)) map @(\S+)$/;

/** A rule's outcome: a final result, go on, or a verdict that enters another chain. */
type Step = TraceResult | 'continue' | { readonly enter: 'goto' | 'jump'; readonly chain: string };

function evalRule(ctx: Ctx, rule: string): Result<Step, BackendError> {
  const { p, t } = ctx;
  if (rule === 'drop') return ok({ verdict: 'drop' });
  if (rule === 'reject with icmpx port-unreachable') return ok({ verdict: 'reject' });
  if (rule === 'meta l4proto tcp reject with tcp reset')
    return ok(p.protocol === 'tcp' ? { verdict: 'reject' } : 'continue');
  let m = DISPATCH_RULE.exec(rule);
  if (m) {
    if (m[1] !== ipk(p.family)) return ok('continue');
    const map = t.maps.get(m[2]!);
    if (!map) return err(backendError('parse', `unknown map ${m[2]}`));
    const v = map.elements.get(`${ctx.daddr} . ${p.protocol} . ${p.dport}`);
    if (v === undefined) return ok('continue');
    const g = /^(goto|jump) (\S+)$/.exec(v);
    if (g) return ok({ enter: g[1] as 'goto' | 'jump', chain: g[2]! });
    if (v === 'drop' || v === 'accept') return ok({ verdict: v });
    return err(backendError('parse', `unknown verdict ${v}`));
  }
  m = DNAT_RULE.exec(rule);
  if (m) {
    if (m[1] !== p.protocol || m[2] !== ipk(p.family)) return ok('continue');
    const map = t.maps.get(m[10]!);
    if (!map) return err(backendError('parse', `unknown map ${m[10]}`));
    const slots: number[] = [];
    if (m[6] !== undefined) for (let i = 0; i < Number(m[6]); i++) slots.push(i);
    else slots.push(nftJhashSlot(ctx.saddr, Number(m[8]), Number.parseInt(m[9]!, 16)));
    const destinations = new Set<string>();
    for (const slot of slots) {
      const v = lookup(map, `${ctx.daddr} . ${p.dport} . ${slot}`);
      if (v === undefined) continue; // no mapping: nft_lookup breaks, the rule does not match
      const [addr, port] = v.split(' . ') as [string, string];
      destinations.add(endpoint(addr, port));
    }
    return ok(destinations.size === 0 ? 'continue' : { verdict: 'dnat', destinations });
  }
  return err(backendError('parse', `tracer does not understand rule: ${rule}`));
}

function runChain(
  ctx: Ctx,
  name: string,
  depth: number,
): Result<TraceResult | undefined, BackendError> {
  const chain = ctx.t.chains.get(name);
  if (!chain) return err(backendError('parse', `unknown chain ${name}`));
  if (depth > 16) return err(backendError('parse', 'chain loop'));
  for (const rule of chain.rules) {
    const step = evalRule(ctx, rule);
    if (step.isErr()) return err(step.error);
    const s = step.value;
    if (s === 'continue') continue;
    if ('enter' in s) {
      // goto: the target's outcome is this chain's; jump: a target that ends
      // without a verdict returns here and the next rule runs.
      const inner = runChain(ctx, s.chain, depth + 1);
      if (inner.isErr() || inner.value !== undefined || s.enter === 'goto') return inner;
      continue;
    }
    return ok(s);
  }
  return ok(undefined);
}

/** Traces a packet through a parsed state (every table with a nat chain on the hook). */
export function traceState(
  state: NftState,
  packet: TracePacket,
): Result<TraceResult, BackendError> {
  const s = parseAddress(packet.saddr);
  const d = parseAddress(packet.daddr);
  if (!s || !d || s.family !== packet.family || d.family !== packet.family) {
    return err(backendError('rejected', 'packet addresses do not match its family'));
  }
  const hook = packet.hook ?? 'prerouting';
  for (const t of state.tables.values()) {
    for (const chain of t.chains.values()) {
      if (chain.hook?.type !== 'nat' || chain.hook.hook !== hook) continue;
      const r = runChain({ t, p: packet, saddr: s.bytes, daddr: d.canonical }, chain.name, 0);
      if (r.isErr()) return err(r.error);
      if (r.value) return ok(r.value);
      if (chain.hook.policy === 'drop') return ok({ verdict: 'drop' });
    }
  }
  return ok({ verdict: 'accept' });
}

/** Parses a rendered script (full ruleset, optionally followed by changes) and traces a packet. */
export function trace(
  ruleset: string | NftState,
  packet: TracePacket,
): Result<TraceResult, BackendError> {
  if (typeof ruleset !== 'string') return traceState(ruleset, packet);
  return parseScript(ruleset)
    .andThen((cmds) => applyCommands(EMPTY_NFT_STATE, cmds))
    .andThen((state) => traceState(state, packet));
}
