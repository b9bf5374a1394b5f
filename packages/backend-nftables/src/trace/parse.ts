/**
 * A parser for the nft dialect lbkit EMITS (flat commands, one per line), not
 * for all of nft: `add|delete table`, `add|delete|flush chain`, `add rule`,
 * `add|delete map|set`, `add|delete element`. Anything else is a
 * `parse` error, so the fake and the tracer never guess.
 * @module
 */
import { type BackendError, backendError } from '@lbkit/core';
import { err, ok, type Result } from 'neverthrow';

/** Objects of the dialect. */
export type NftObject = 'table' | 'chain' | 'rule' | 'map' | 'set' | 'element';
/** Verbs of the dialect. */
export type NftVerb = 'add' | 'delete' | 'flush';

/** Every (verb, object) pair the dialect has; the fake must handle each one. */
export const DIALECT_PAIRS: readonly (readonly [NftVerb, NftObject])[] = [
  ['add', 'table'],
  ['delete', 'table'],
  ['add', 'chain'],
  ['delete', 'chain'],
  ['flush', 'chain'],
  ['add', 'rule'],
  ['add', 'map'],
  ['add', 'set'],
  ['delete', 'map'],
  ['delete', 'set'],
  ['add', 'element'],
  ['delete', 'element'],
];

/** A base chain declaration: `{ type nat hook prerouting priority dstnat ; policy accept ; }`. */
export interface NftHookSpec {
  readonly type: string;
  readonly hook: string;
  readonly priority: string;
  readonly policy: 'accept' | 'drop';
}

/** One element: key text and, for maps, value text. */
export interface NftElementText {
  readonly key: string;
  readonly value?: string;
}

/** One parsed command. `table` is `<family> <name>`. */
export type ParsedCommand =
  | {
      readonly verb: 'add';
      readonly object: 'table';
      readonly table: string;
      /** `{ comment "..." ; }`: kept only when the table is created. */
      readonly comment?: string;
      /** `{ flags dormant ; }`: an `add` of an existing table sets its flags to these. */
      readonly dormant: boolean;
      readonly line: number;
    }
  | {
      readonly verb: 'delete';
      readonly object: 'table';
      readonly table: string;
      readonly line: number;
    }
  | {
      readonly verb: 'add';
      readonly object: 'chain';
      readonly table: string;
      readonly name: string;
      readonly hook?: NftHookSpec;
      readonly line: number;
    }
  | {
      readonly verb: 'delete' | 'flush';
      readonly object: 'chain';
      readonly table: string;
      readonly name: string;
      readonly line: number;
    }
  | {
      readonly verb: 'add';
      readonly object: 'rule';
      readonly table: string;
      readonly chain: string;
      readonly body: string;
      readonly line: number;
    }
  | {
      readonly verb: 'add';
      readonly object: 'map' | 'set';
      readonly table: string;
      readonly name: string;
      /** Key type text (`type ...` or `typeof ...` before `:`). */
      readonly key: string;
      /** Data type text after `:` (maps only). */
      readonly data?: string;
      readonly interval: boolean;
      /** Declared with `counter`: every element counts the packets that match it. */
      readonly counter: boolean;
      /** `flags dynamic,timeout ; timeout <n>s`: the data path adds elements (affinity); seconds. */
      readonly timeout?: number;
      readonly line: number;
    }
  | {
      readonly verb: 'delete';
      readonly object: 'map' | 'set';
      readonly table: string;
      readonly name: string;
      readonly line: number;
    }
  | {
      readonly verb: 'add' | 'delete';
      readonly object: 'element';
      readonly table: string;
      readonly set: string;
      readonly elements: readonly NftElementText[];
      readonly line: number;
    };

const IDENT = '[A-Za-z][A-Za-z0-9_.-]*';
const TABLE = `(inet|ip|ip6) (${IDENT})`;
const re = (s: string): RegExp => new RegExp(`^${s}$`);
const P = {
  table: re(`(add|delete) table ${TABLE}(?: \\{ (.*) \\})?`),
  chain: re(`add chain ${TABLE} (${IDENT})(?: \\{ (.*) \\})?`),
  chainOp: re(`(delete|flush) chain ${TABLE} (${IDENT})`),
  rule: re(`add rule ${TABLE} (${IDENT}) (.+)`),
  map: re(`add (map|set) ${TABLE} (${IDENT}) \\{ (.*) \\}`),
  mapDelete: re(`delete (map|set) ${TABLE} (${IDENT})`),
  element: re(`(add|delete) element ${TABLE} (${IDENT}) \\{ (.*) \\}`),
  hook: /^type (filter|nat) hook (prerouting|output|postrouting|forward|input) priority (\S+) ; policy (accept|drop) ;$/,
};

const fail = (line: number, text: string, why: string): BackendError =>
  backendError('parse', `line ${line}: ${why}: ${text.slice(0, 120)}`);

const MAP_FLAGS = new Set(['flags interval', 'counter']);

function parseMapBody(
  body: string,
):
  | { key: string; data?: string; interval: boolean; counter: boolean; timeout?: number }
  | undefined {
  const parts = body
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const decl = parts[0];
  if (!decl || !/^(type|typeof) /.test(decl)) return undefined;
  let flags = parts.slice(1);
  // An affinity set: `flags dynamic,timeout ; timeout <n>s` (both, or neither).
  let timeout: number | undefined;
  const dynamic = flags.indexOf('flags dynamic,timeout');
  const seconds = flags.map((f) => /^timeout (\d{1,7})s$/.exec(f)).findIndex((m) => m !== null);
  if (dynamic < 0 !== seconds < 0) return undefined;
  if (dynamic >= 0) {
    timeout = Number(/^timeout (\d+)s$/.exec(flags[seconds]!)![1]);
    flags = flags.filter((_, i) => i !== dynamic && i !== seconds);
  }
  if (flags.some((p) => !MAP_FLAGS.has(p))) return undefined;
  const interval = flags.includes('flags interval');
  const counter = flags.includes('counter');
  const colon = decl.lastIndexOf(' : ');
  const t = timeout === undefined ? {} : { timeout };
  if (colon < 0) return { key: decl, interval, counter, ...t };
  return { key: decl.slice(0, colon), data: decl.slice(colon + 3), interval, counter, ...t };
}

/** `comment "..." ; flags dormant ;` of a table declaration. */
function parseTableBody(body: string): { comment?: string; dormant: boolean } | undefined {
  let comment: string | undefined;
  let dormant = false;
  for (const part of body.split(';').map((p) => p.trim())) {
    if (part === '') continue;
    const note = /^comment "([^"\\]*)"$/.exec(part);
    if (note) comment = note[1];
    else if (part === 'flags dormant') dormant = true;
    else return undefined;
  }
  return comment === undefined ? { dormant } : { comment, dormant };
}

/** Splits `a : b, c : d` at top-level commas. */
function parseElements(body: string, withValues: boolean): NftElementText[] | undefined {
  const out: NftElementText[] = [];
  for (const item of body.split(', ')) {
    const text = item.trim();
    if (text === '') return undefined;
    const colon = text.indexOf(' : ');
    if (colon < 0) out.push({ key: text });
    else if (!withValues) return undefined;
    else out.push({ key: text.slice(0, colon), value: text.slice(colon + 3) });
  }
  return out;
}

/** Parses one line (without newline). Blank lines and `#` comments give `undefined`. */
export function parseLine(
  text: string,
  line: number,
): Result<ParsedCommand | undefined, BackendError> {
  const s = text.trim();
  if (s === '' || s.startsWith('#')) return ok(undefined);
  let m = P.table.exec(s);
  if (m) {
    const table = `${m[2]} ${m[3]}`;
    if (m[1] === 'delete') {
      return m[4] === undefined
        ? ok({ verb: 'delete', object: 'table', table, line })
        : err(fail(line, s, 'delete table takes no declaration'));
    }
    const decl = m[4] === undefined ? { dormant: false } : parseTableBody(m[4]);
    if (!decl) return err(fail(line, s, 'unknown table declaration'));
    return ok({ verb: 'add', object: 'table', table, ...decl, line });
  }
  m = P.chain.exec(s);
  if (m) {
    const table = `${m[1]} ${m[2]}`;
    if (m[4] === undefined) return ok({ verb: 'add', object: 'chain', table, name: m[3]!, line });
    const h = P.hook.exec(m[4]);
    if (!h) return err(fail(line, s, 'unknown chain declaration'));
    const hook: NftHookSpec = {
      type: h[1]!,
      hook: h[2]!,
      priority: h[3]!,
      policy: h[4] as 'accept' | 'drop',
    };
    return ok({ verb: 'add', object: 'chain', table, name: m[3]!, hook, line });
  }
  m = P.chainOp.exec(s);
  if (m)
    return ok({
      verb: m[1] as 'delete' | 'flush',
      object: 'chain',
      table: `${m[2]} ${m[3]}`,
      name: m[4]!,
      line,
    });
  m = P.rule.exec(s);
  if (m)
    return ok({
      verb: 'add',
      object: 'rule',
      table: `${m[1]} ${m[2]}`,
      chain: m[3]!,
      body: m[4]!,
      line,
    });
  m = P.map.exec(s);
  if (m) {
    const decl = parseMapBody(m[5]!);
    const object = m[1] as 'map' | 'set';
    if (!decl || (object === 'map') !== (decl.data !== undefined))
      return err(fail(line, s, 'bad map/set declaration'));
    return ok({ verb: 'add', object, table: `${m[2]} ${m[3]}`, name: m[4]!, ...decl, line });
  }
  m = P.mapDelete.exec(s);
  if (m) {
    const object = m[1] as 'map' | 'set';
    return ok({ verb: 'delete', object, table: `${m[2]} ${m[3]}`, name: m[4]!, line });
  }
  m = P.element.exec(s);
  if (m) {
    const verb = m[1] as 'add' | 'delete';
    const elements = parseElements(m[5]!, verb === 'add');
    if (!elements) return err(fail(line, s, 'bad element list'));
    return ok({ verb, object: 'element', table: `${m[2]} ${m[3]}`, set: m[4]!, elements, line });
  }
  return err(fail(line, s, 'not in the lbkit nft dialect'));
}

/** Parses a whole script; the first bad line fails it. */
export function parseScript(script: string): Result<ParsedCommand[], BackendError> {
  const out: ParsedCommand[] = [];
  const lines = script.split('\n');
  for (const [i, text] of lines.entries()) {
    const cmd = parseLine(text, i + 1);
    if (cmd.isErr()) return err(cmd.error);
    if (cmd.value) out.push(cmd.value);
  }
  return ok(out);
}
