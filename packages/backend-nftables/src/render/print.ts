/**
 * nft text of `NftCommand`s: one flat command per line (`add rule inet T C ...`),
 * the dialect `FakeNft` and the tracer parse. Pure.
 * @module
 */
import type { IpFamily } from '@lbkit/core';
import { TABLE_FAMILY } from '../names.js';
import type {
  ChainDecl,
  ElementOp,
  ElementPart,
  NftCommand,
  RenderedElement,
  RuleSpec,
  Selector,
  SetDecl,
  Verdict,
} from './commands.js';

/** `ip` / `ip6` keyword of a family. */
export const familyKeyword = (family: IpFamily): 'ip' | 'ip6' => (family === 4 ? 'ip' : 'ip6');

const addrType = (family: IpFamily): string => (family === 4 ? 'ipv4_addr' : 'ipv6_addr');
const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

/** `inet <table>`: the object prefix of every command. */
export const tableRef = (table: string): string => `${TABLE_FAMILY} ${table}`;

function selectorText(selector: Selector, family: IpFamily): string {
  if (selector.kind === 'jhash') {
    return `jhash ${familyKeyword(family)} saddr mod ${selector.modulus} seed ${hex(selector.seed)}`;
  }
  return `numgen ${selector.mode} mod ${selector.modulus}`;
}

/** The body of a rule (what follows `add rule inet T C `). */
export function ruleText(rule: RuleSpec): string {
  switch (rule.kind) {
    case 'dispatch':
      return `${familyKeyword(rule.family)} daddr . meta l4proto . th dport vmap @${rule.map}`;
    case 'flow': {
      const ipk = familyKeyword(rule.family);
      const p = rule.protocol;
      const dst =
        rule.match === 'reply'
          ? `ct reply ${ipk} saddr . ct reply proto-src`
          : `${ipk} daddr . ${p} dport`;
      const then =
        rule.then === 'none'
          ? ''
          : rule.then === 'masquerade'
            ? ' masquerade'
            : 'snat' in rule.then
              ? ` snat ${ipk} to ${rule.then.snat}`
              : ` meta mark set ${rule.then.mark}`;
      return `meta l4proto ${p} ct original ${ipk} daddr . meta l4proto . ct original proto-dst . ${dst} @${rule.set}${then}`;
    }
    case 'dnat': {
      const ipk = familyKeyword(rule.family);
      const p = rule.protocol;
      const counter = rule.counter ? 'counter ' : '';
      const selector = selectorText(rule.selector, rule.family);
      return `meta l4proto ${p} ${counter}dnat ${ipk} to ${ipk} daddr . ${p} dport . ${selector} map @${rule.map}`;
    }
    case 'empty':
      return rule.protocol === 'tcp'
        ? 'meta l4proto tcp reject with tcp reset'
        : 'reject with icmpx port-unreachable';
    case 'count':
      return 'counter';
    case 'sticky':
      return `${familyKeyword(rule.family)} saddr @${rule.set} goto ${rule.chain}`;
    case 'pick':
      return `${selectorText(rule.selector, rule.family)} vmap @${rule.map}`;
    case 'remember':
      return `update @${rule.set} { ${familyKeyword(rule.family)} saddr }`;
    case 'dnatTo': {
      const ipk = familyKeyword(rule.family);
      const to =
        rule.family === 4
          ? `${rule.address.canonical}:${rule.port}`
          : `[${rule.address.canonical}]:${rule.port}`;
      return `meta l4proto ${rule.protocol} dnat ${ipk} to ${to}`;
    }
  }
}

function setText(set: SetDecl, t: string): string {
  const addr = set.kind === 'pick' ? '' : addrType(set.family);
  switch (set.kind) {
    case 'dispatch': {
      const counter = set.counter ? ' counter ;' : '';
      return `add map ${t} ${set.name} { type ${addr} . inet_proto . inet_service : verdict ;${counter} }`;
    }
    case 'flows': {
      const counter = set.counter ? ' counter ;' : '';
      return `add set ${t} ${set.name} { type ${addr} . inet_proto . inet_service . ${addr} . inet_service ;${counter} }`;
    }
    case 'slots': {
      const ipk = familyKeyword(set.family);
      const p = set.protocol;
      return `add map ${t} ${set.name} { typeof ${ipk} daddr . ${p} dport . numgen inc mod 2 : ${ipk} daddr . ${p} dport ; }`;
    }
    case 'affinity':
      return `add set ${t} ${set.name} { type ${addr} ; flags dynamic,timeout ; timeout ${set.timeout}s ; }`;
    case 'pick':
      return `add map ${t} ${set.name} { typeof numgen inc mod 2 : verdict ; }`;
  }
}

function chainText(chain: ChainDecl): string {
  if (!chain.hook) return chain.name;
  const { type, hook, priority } = chain.hook;
  return `${chain.name} { type ${type} hook ${hook} priority ${priority} ; policy accept ; }`;
}

const partText = (part: ElementPart): string | number =>
  typeof part === 'object' ? part.canonical : part;

/** `a . b . c` text of element parts. */
export const partsText = (parts: readonly ElementPart[]): string => parts.map(partText).join(' . ');

/** `jump chain`, `goto chain`, `drop`. */
export const verdictText = (v: Verdict): string =>
  v.kind === 'drop' ? 'drop' : `${v.kind} ${v.chain}`;

/** The value text of an element (`addr . port`, `jump chain`), or `undefined` for a set element. */
export function elementValueText(e: RenderedElement): string | undefined {
  if (e.value === undefined) return undefined;
  return 'kind' in e.value ? verdictText(e.value) : partsText(e.value);
}

/** The nft text of one element op. */
export function elementOpText(op: ElementOp, table: string): string {
  const items = op.elements.map((e) => {
    const key = partsText(e.key);
    const value = op.verb === 'add' ? elementValueText(e) : undefined;
    return value === undefined ? key : `${key} : ${value}`;
  });
  return `${op.verb} element ${tableRef(table)} ${op.map} { ${items.join(', ')} }`;
}

/** The nft text of one command (one line, no newline). */
export function commandText(command: NftCommand, table: string): string {
  const t = tableRef(table);
  switch (command.object) {
    case 'table':
      return command.verb === 'add' && command.comment !== undefined
        ? `add table ${t} { comment ${JSON.stringify(command.comment)} ; }`
        : `${command.verb} table ${t}`;
    case 'set':
      return command.verb === 'add'
        ? setText(command.set, t)
        : `delete ${command.map ? 'map' : 'set'} ${t} ${command.name}`;
    case 'chain':
      return command.verb === 'add'
        ? `add chain ${t} ${chainText(command.chain)}`
        : `${command.verb} chain ${t} ${command.name}`;
    case 'rule':
      return `add rule ${t} ${command.chain} ${ruleText(command.rule)}`;
    case 'element':
      return elementOpText(command, table);
  }
}

/** The whole script: one command per line, newline-terminated; `''` for no commands. */
export function printCommands(commands: readonly NftCommand[], table: string): string {
  if (commands.length === 0) return '';
  let out = '';
  for (const c of commands) out += `${commandText(c, table)}\n`;
  return out;
}
