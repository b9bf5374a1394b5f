/**
 * Runs a synthetic packet through the ruleset lbkit renders and says where it
 * can go (kube-proxy's tracer style). Understands exactly the rule forms we
 * emit; any other rule is a `parse` error rather than a guess.
 * - `numgen inc|random mod N`: every slot 0..N-1 is reachable.
 * - `jhash ip|ip6 saddr mod N seed S`: the ONE slot the kernel selects for that
 *   source (the kernel's jhash, see `jhash.ts`).
 * - Persistence (`render/affinity.ts`): a client in a destination's affinity
 *   set goes to that destination only; any other is picked by the selector
 *   (as above, through the pick map's destination chains), and the result
 *   says which set each destination's path records the client in. The
 *   tracer is a function of the state: it does not add the client itself
 *   (`rememberClient` does, as the kernel's `update` would) and has no clock
 *   (timeouts never pass; forget a client by deleting its element).
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
  | {
      readonly verdict: 'dnat';
      readonly destinations: ReadonlySet<string>;
      /**
       * Persistence: destination -> the affinity set its path records the
       * client in (`update @set { ip saddr }`). The kernel adds the client to
       * the set of the ONE destination it picked (for `numgen`, the tracer
       * cannot know which): `rememberClient(state, set, saddr)` does that
       * to a state, after which the same client's next trace is sticky.
       */
      readonly affinity?: ReadonlyMap<string, string>;
    }
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
  /** Canonical source address (affinity set elements). */
  readonly source: string;
  readonly daddr: string;
  /** The affinity set an `update` rule of this path recorded the client in. */
  recorded?: string | undefined;
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
  if (rule === 'counter') return ok('continue');
  const affinity = evalAffinityRule(ctx, rule);
  if (affinity !== undefined) return affinity;
  return err(backendError('parse', `tracer does not understand rule: ${rule}`));
}

/** `ip saddr @<set> goto <chain>`: family keyword, set, chain. */
export const STICKY_RULE = /^(ip6?) saddr @(\S+) goto (\S+)$/;
/** `<selector> vmap @<map>`: numgen modulus | jhash family, modulus, seed; the pick map. */
export const PICK_RULE =
  /^(?:numgen (?:inc|random) mod (\d+)|jhash (ip6?) saddr mod (\d+) seed (0x[0-9a-f]+)) vmap @(\S+)$/;
const REMEMBER_RULE = /^update @(\S+) \{ (ip6?) saddr \}$/;
/** `meta l4proto <p> dnat <ip> to <addr>:<port>` (IPv6 `[addr]:port`). */
export const DNAT_TO_RULE =
  /^meta l4proto (tcp|udp) dnat (ip6?) to (?:\[([^\]]+)\]|([^:\s]+)):(\d+)$/;

/** The rules of a service with persistence (`render/affinity.ts`); `undefined` for others. */
function evalAffinityRule(ctx: Ctx, rule: string): Result<Step, BackendError> | undefined {
  const { p, t } = ctx;
  let m = STICKY_RULE.exec(rule);
  if (m) {
    if (m[1] !== ipk(p.family)) return ok('continue');
    const set = t.maps.get(m[2]!);
    if (!set) return err(backendError('parse', `unknown set ${m[2]}`));
    return ok(set.elements.has(ctx.source) ? { enter: 'goto', chain: m[3]! } : 'continue');
  }
  m = PICK_RULE.exec(rule);
  if (m) {
    if (m[2] !== undefined && m[2] !== ipk(p.family)) return ok('continue');
    const map = t.maps.get(m[5]!);
    if (!map) return err(backendError('parse', `unknown map ${m[5]}`));
    const slots: number[] = [];
    if (m[1] !== undefined) for (let i = 0; i < Number(m[1]); i++) slots.push(i);
    else slots.push(nftJhashSlot(ctx.saddr, Number(m[3]), Number.parseInt(m[4]!, 16)));
    return pickAmong(ctx, map, slots);
  }
  m = REMEMBER_RULE.exec(rule);
  if (m) {
    if (m[2] !== ipk(p.family)) return ok('continue');
    if (!t.maps.has(m[1]!)) return err(backendError('parse', `unknown set ${m[1]}`));
    ctx.recorded = m[1]!;
    return ok('continue');
  }
  m = DNAT_TO_RULE.exec(rule);
  if (m) {
    if (m[1] !== p.protocol || m[2] !== ipk(p.family)) return ok('continue');
    const to = endpoint(m[3] ?? m[4]!, m[5]!);
    const affinity = ctx.recorded === undefined ? undefined : new Map([[to, ctx.recorded]]);
    return ok({ verdict: 'dnat', destinations: new Set([to]), ...(affinity ? { affinity } : {}) });
  }
  return undefined;
}

/** Every slot's destination chain, run as the kernel would for that slot; their dnats merged. */
function pickAmong(
  ctx: Ctx,
  map: NftMapState,
  slots: readonly number[],
): Result<Step, BackendError> {
  const destinations = new Set<string>();
  const affinity = new Map<string, string>();
  const chains = new Set<string>();
  for (const slot of slots) {
    const g = /^goto (\S+)$/.exec(map.elements.get(String(slot)) ?? '');
    if (g) chains.add(g[1]!);
  }
  for (const chain of chains) {
    const r = runChain({ ...ctx, recorded: undefined }, chain, 1);
    if (r.isErr()) return err(r.error);
    if (r.value?.verdict !== 'dnat') continue;
    for (const d of r.value.destinations) destinations.add(d);
    for (const [d, set] of r.value.affinity ?? []) affinity.set(d, set);
  }
  if (destinations.size === 0) return ok('continue'); // no slot: the lookup breaks the rule
  return ok({ verdict: 'dnat', destinations, ...(affinity.size > 0 ? { affinity } : {}) });
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
      const ctx = { t, p: packet, saddr: s.bytes, source: s.canonical, daddr: d.canonical };
      const r = runChain(ctx, chain.name, 0);
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
