/**
 * A small readonly model of nft tables, and `applyCommands`, which applies
 * parsed commands to a COPY and returns it only if every command is valid the
 * way the kernel would judge it (unknown object, element that exists with other
 * data, deleting what does not exist, deleting what is still referenced).
 * @module
 */
import { type BackendError, backendError } from '@lbkit/core';
import { err, ok, type Result } from 'neverthrow';
import type { NftHookSpec, ParsedCommand } from './parse.js';

/** A chain: its base-chain hook (if any) and its rule bodies in order. */
export interface NftChainState {
  readonly name: string;
  readonly hook?: NftHookSpec;
  readonly rules: readonly string[];
}

/** A named map or set and its elements (key text -> value text; `undefined` for sets). */
export interface NftMapState {
  readonly name: string;
  readonly kind: 'map' | 'set';
  readonly key: string;
  readonly data?: string;
  readonly interval: boolean;
  /** Declared with `counter` (per-element counters). */
  readonly counter: boolean;
  /**
   * `flags dynamic,timeout ; timeout <n>s` (seconds): an affinity set, whose
   * elements the data path adds (`rememberClient`). The model has no clock:
   * its elements never expire (a test forgets a client explicitly).
   */
  readonly timeout?: number;
  readonly elements: ReadonlyMap<string, string | undefined>;
}

/** A table (`family name`). */
export interface NftTableState {
  readonly family: string;
  readonly name: string;
  /** Its comment (lbkit marks its tables with one). */
  readonly comment?: string;
  /** `flags dormant`: the kernel does not run its chains. */
  readonly dormant: boolean;
  readonly chains: ReadonlyMap<string, NftChainState>;
  readonly maps: ReadonlyMap<string, NftMapState>;
}

/** Every table, keyed `family name`. */
export interface NftState {
  readonly tables: ReadonlyMap<string, NftTableState>;
}

/** The empty state. */
export const EMPTY_NFT_STATE: NftState = { tables: new Map() };

interface MutTable {
  family: string;
  name: string;
  comment?: string;
  dormant: boolean;
  chains: Map<string, { name: string; hook?: NftHookSpec; rules: string[] }>;
  maps: Map<string, Omit<NftMapState, 'elements'> & { elements: Map<string, string | undefined> }>;
}

function cloneTables(state: NftState): Map<string, MutTable> {
  const out = new Map<string, MutTable>();
  for (const [k, t] of state.tables) {
    out.set(k, {
      family: t.family,
      name: t.name,
      ...(t.comment === undefined ? {} : { comment: t.comment }),
      dormant: t.dormant,
      chains: new Map([...t.chains].map(([n, c]) => [n, { ...c, rules: [...c.rules] }])),
      maps: new Map([...t.maps].map(([n, m]) => [n, { ...m, elements: new Map(m.elements) }])),
    });
  }
  return out;
}

const rejected = (cmd: ParsedCommand, why: string): BackendError =>
  backendError('rejected', `line ${cmd.line}: ${cmd.verb} ${cmd.object}: ${why}`);

const chainRefs = (text: string): string[] =>
  [...text.matchAll(/\b(?:goto|jump) ([A-Za-z][\w.-]*)/g)].map((m) => m[1]!);
const mapRefs = (text: string): string[] =>
  [...text.matchAll(/@([A-Za-z][\w.-]*)/g)].map((m) => m[1]!);

/** True when anything in the table still references chain / map `name`. */
function referenced(t: MutTable, what: 'chain' | 'map', name: string): boolean {
  for (const c of t.chains.values()) {
    for (const r of c.rules) {
      const refs = what === 'chain' ? chainRefs(r) : mapRefs(r);
      if (refs.includes(name)) return true;
    }
  }
  if (what === 'map') return false;
  for (const m of t.maps.values()) {
    for (const v of m.elements.values()) {
      if (v !== undefined && chainRefs(v).includes(name)) return true;
    }
  }
  return false;
}

function applyOne(tables: Map<string, MutTable>, cmd: ParsedCommand): BackendError | undefined {
  if (cmd.object === 'table') {
    if (cmd.verb === 'add') {
      const existing = tables.get(cmd.table);
      // Like the kernel: an existing table takes the new flags, keeps its comment.
      if (existing) existing.dormant = cmd.dormant;
      else {
        const [family, name] = cmd.table.split(' ') as [string, string];
        tables.set(cmd.table, {
          family,
          name,
          ...(cmd.comment === undefined ? {} : { comment: cmd.comment }),
          dormant: cmd.dormant,
          chains: new Map(),
          maps: new Map(),
        });
      }
      return undefined;
    }
    if (!tables.delete(cmd.table))
      return rejected(cmd, `No such file or directory: table ${cmd.table}`);
    return undefined;
  }
  const t = tables.get(cmd.table);
  if (!t) return rejected(cmd, `No such file or directory: table ${cmd.table}`);
  switch (`${cmd.verb} ${cmd.object}`) {
    case 'add chain': {
      const c = cmd as Extract<ParsedCommand, { object: 'chain'; verb: 'add' }>;
      const old = t.chains.get(c.name);
      if (old && JSON.stringify(old.hook) !== JSON.stringify(c.hook))
        return rejected(cmd, 'chain exists with another declaration');
      if (!old)
        t.chains.set(
          c.name,
          c.hook ? { name: c.name, hook: c.hook, rules: [] } : { name: c.name, rules: [] },
        );
      return undefined;
    }
    case 'delete chain':
    case 'flush chain': {
      const c = cmd as Extract<ParsedCommand, { object: 'chain'; verb: 'delete' | 'flush' }>;
      const chain = t.chains.get(c.name);
      if (!chain) return rejected(cmd, `No such file or directory: chain ${c.name}`);
      if (c.verb === 'flush') chain.rules = [];
      else {
        if (referenced(t, 'chain', c.name))
          return rejected(cmd, `Device or resource busy: chain ${c.name}`);
        t.chains.delete(c.name);
      }
      return undefined;
    }
    case 'add rule': {
      const r = cmd as Extract<ParsedCommand, { object: 'rule' }>;
      const chain = t.chains.get(r.chain);
      if (!chain) return rejected(cmd, `No such file or directory: chain ${r.chain}`);
      for (const m of mapRefs(r.body))
        if (!t.maps.has(m)) return rejected(cmd, `No such file or directory: map ${m}`);
      for (const c of chainRefs(r.body))
        if (!t.chains.has(c)) return rejected(cmd, `No such file or directory: chain ${c}`);
      chain.rules.push(r.body);
      return undefined;
    }
    case 'delete map':
    case 'delete set': {
      const m = cmd as Extract<ParsedCommand, { object: 'map' | 'set'; verb: 'delete' }>;
      const old = t.maps.get(m.name);
      if (!old || old.kind !== m.object)
        return rejected(cmd, `No such file or directory: ${m.object} ${m.name}`);
      if (referenced(t, 'map', m.name))
        return rejected(cmd, `Device or resource busy: ${m.object} ${m.name}`);
      t.maps.delete(m.name);
      return undefined;
    }
    case 'add map':
    case 'add set': {
      const m = cmd as Extract<ParsedCommand, { object: 'map' | 'set'; verb: 'add' }>;
      const old = t.maps.get(m.name);
      if (old) {
        if (
          old.kind !== m.object ||
          old.key !== m.key ||
          old.data !== m.data ||
          old.interval !== m.interval ||
          old.counter !== m.counter ||
          old.timeout !== m.timeout
        ) {
          return rejected(cmd, `File exists: ${m.name} with another declaration`);
        }
        return undefined;
      }
      const base = {
        name: m.name,
        kind: m.object,
        key: m.key,
        interval: m.interval,
        counter: m.counter,
        ...(m.timeout === undefined ? {} : { timeout: m.timeout }),
        elements: new Map(),
      };
      t.maps.set(m.name, m.data === undefined ? base : { ...base, data: m.data });
      return undefined;
    }
    case 'add element':
    case 'delete element': {
      const e = cmd as Extract<ParsedCommand, { object: 'element' }>;
      const map = t.maps.get(e.set);
      if (!map) return rejected(cmd, `No such file or directory: map ${e.set}`);
      for (const el of e.elements) {
        if (e.verb === 'delete') {
          if (!map.elements.delete(el.key))
            return rejected(cmd, `No such file or directory: element ${el.key}`);
          continue;
        }
        if ((map.kind === 'map') !== (el.value !== undefined))
          return rejected(cmd, `element ${el.key}: data mismatch`);
        if (el.value !== undefined) {
          for (const c of chainRefs(el.value))
            if (!t.chains.has(c)) return rejected(cmd, `No such file or directory: chain ${c}`);
        }
        if (map.elements.has(el.key) && map.elements.get(el.key) !== el.value)
          return rejected(cmd, `File exists: element ${el.key}`);
        map.elements.set(el.key, el.value);
      }
      return undefined;
    }
    default:
      return backendError('unsupported', `line ${cmd.line}: no case for ${cmd.verb} ${cmd.object}`);
  }
}

/** Applies commands to a copy of `state`: the new state, or the first error (state untouched). */
export function applyCommands(
  state: NftState,
  commands: readonly ParsedCommand[],
): Result<NftState, BackendError> {
  const tables = cloneTables(state);
  for (const cmd of commands) {
    const e = applyOne(tables, cmd);
    if (e) return err(e);
  }
  return ok({ tables });
}

/**
 * What the kernel's `update @<set> { <ip> saddr }` does: `saddr` becomes an
 * element of the dynamic set `set` of table `table` (`inet lbkit` by
 * default). A copy of `state`; unchanged when there is no such dynamic set.
 */
export function rememberClient(
  state: NftState,
  set: string,
  saddr: string,
  table = 'inet lbkit',
): NftState {
  const t = state.tables.get(table);
  const map = t?.maps.get(set);
  if (!t || !map || map.timeout === undefined) return state;
  const elements = new Map(map.elements);
  elements.set(saddr, undefined);
  const maps = new Map(t.maps);
  maps.set(set, { ...map, elements });
  const tables = new Map(state.tables);
  tables.set(table, { ...t, maps });
  return { tables };
}
