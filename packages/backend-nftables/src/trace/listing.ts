import type { NftState } from './state.js';

const byName = <T>(m: ReadonlyMap<string, T>): T[] => [...m.keys()].sort().map((k) => m.get(k)!);

/**
 * A text listing of a state, in the flat dialect we emit (`add ...` lines,
 * objects and elements sorted by name), for assertions and debugging. Applying it to an empty
 * state gives the same state back.
 */
export function listRuleset(state: NftState): string {
  const lines: string[] = [];
  for (const [ref, t] of state.tables) {
    const decl = [
      ...(t.comment === undefined ? [] : [`comment ${JSON.stringify(t.comment)} ;`]),
      ...(t.dormant ? ['flags dormant ;'] : []),
    ];
    lines.push(decl.length === 0 ? `add table ${ref}` : `add table ${ref} { ${decl.join(' ')} }`);
    for (const m of byName(t.maps)) {
      const decl = m.data === undefined ? m.key : `${m.key} : ${m.data}`;
      const timeout =
        m.timeout === undefined ? '' : ` flags dynamic,timeout ; timeout ${m.timeout}s ;`;
      lines.push(
        `add ${m.kind} ${ref} ${m.name} { ${decl} ;${timeout}${m.interval ? ' flags interval ;' : ''}${m.counter ? ' counter ;' : ''} }`,
      );
    }
    for (const c of byName(t.chains)) {
      const h = c.hook;
      lines.push(
        h
          ? `add chain ${ref} ${c.name} { type ${h.type} hook ${h.hook} priority ${h.priority} ; policy ${h.policy} ; }`
          : `add chain ${ref} ${c.name}`,
      );
    }
    for (const c of byName(t.chains))
      for (const r of c.rules) lines.push(`add rule ${ref} ${c.name} ${r}`);
    for (const m of byName(t.maps)) {
      const items = [...m.elements].map(([k, v]) => (v === undefined ? k : `${k} : ${v}`)).sort();
      if (items.length > 0) lines.push(`add element ${ref} ${m.name} { ${items.join(', ')} }`);
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
