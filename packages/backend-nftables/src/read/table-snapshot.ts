/**
 * A table as plain, comparable text: its comment and flags, every chain
 * (declaration and rules in order) and every set or map (declaration and
 * elements). Both the netlink transport (from the kernel's dump and from the
 * batch we would send) and `FakeNft` (from its state model) build one, and
 * `diffSnapshots` says, object by object, how the table differs from what
 * lbkit applied. Pure.
 * @module
 */

import { ITEMS_PER_STEP, runAll, type Steps } from '@lbkit/netlink';

/** One chain: its declaration (hook, type, priority, policy; `''` for a regular chain) and rules. */
export interface ChainSnapshot {
  readonly decl: string;
  readonly rules: readonly string[];
}

/** One set or map: its declaration and its elements (key text -> value text, `''` for sets). */
export interface SetSnapshot {
  readonly decl: string;
  readonly elements: ReadonlyMap<string, string>;
}

/** A table, object by object. */
export interface TableSnapshot {
  readonly exists: boolean;
  readonly comment?: string;
  readonly dormant: boolean;
  readonly chains: ReadonlyMap<string, ChainSnapshot>;
  readonly sets: ReadonlyMap<string, SetSnapshot>;
}

/** A table that is not there. */
export const MISSING_TABLE: TableSnapshot = {
  exists: false,
  dormant: false,
  chains: new Map(),
  sets: new Map(),
};

/** Options of `diffSnapshots`. */
export interface DiffOptions {
  /** `inet <name>`, for the messages. */
  readonly table: string;
  /** Sets that may exist beyond the expected ones while empty (backend shards a change left). */
  readonly mayLinger?: (set: string) => boolean;
  /** At most this many lines; the rest is summed up in a last line. Default 20. */
  readonly limit?: number;
}

function elementDiff(expected: SetSnapshot, actual: SetSnapshot): string | undefined {
  let missing = 0;
  let changed = 0;
  for (const [key, value] of expected.elements) {
    const found = actual.elements.get(key);
    if (found === undefined) missing++;
    else if (found !== value) changed++;
  }
  let unexpected = 0;
  for (const key of actual.elements.keys()) if (!expected.elements.has(key)) unexpected++;
  const parts = [
    missing > 0 ? `${missing} element(s) missing` : '',
    changed > 0 ? `${changed} with another value` : '',
    unexpected > 0 ? `${unexpected} unexpected` : '',
  ].filter((p) => p !== '');
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/**
 * How `actual` differs from `expected`, one line per object (`chain svc_web:
 * rules differ`, `map services4: 2 element(s) missing`); `[]` when equal.
 */
export function diffSnapshots(
  expected: TableSnapshot,
  actual: TableSnapshot,
  options: DiffOptions,
): string[] {
  return runAll(diffSnapshotsSteps(expected, actual, options));
}

/** `diffSnapshots` as steps: it yields every `ITEMS_PER_STEP` chains and after each set. */
export function* diffSnapshotsSteps(
  expected: TableSnapshot,
  actual: TableSnapshot,
  options: DiffOptions,
): Steps<string[]> {
  const t = `table inet ${options.table}`;
  if (!actual.exists) return [`${t} is missing`];
  const out: string[] = [];
  if (actual.dormant && !expected.dormant) out.push(`${t} is dormant`);
  if (actual.comment !== expected.comment) {
    out.push(`${t} has comment ${JSON.stringify(actual.comment ?? '')}`);
  }
  let done = 0;
  for (const [name, want] of expected.chains) {
    if (++done % ITEMS_PER_STEP === 0) yield;
    const have = actual.chains.get(name);
    if (!have) out.push(`chain ${name} is missing`);
    else if (have.decl !== want.decl) out.push(`chain ${name}: declaration differs`);
    else if (
      have.rules.length !== want.rules.length ||
      have.rules.some((r, i) => r !== want.rules[i])
    ) {
      out.push(
        `chain ${name}: rules differ (${have.rules.length} found, ${want.rules.length} expected)`,
      );
    }
  }
  for (const name of actual.chains.keys()) {
    if (!expected.chains.has(name)) out.push(`chain ${name} is unexpected`);
  }
  for (const [name, want] of expected.sets) {
    yield;
    const have = actual.sets.get(name);
    if (!have) out.push(`set ${name} is missing`);
    else if (have.decl !== want.decl) out.push(`set ${name}: declaration differs`);
    else {
      const d = elementDiff(want, have);
      if (d) out.push(`set ${name}: ${d}`);
    }
  }
  for (const [name, have] of actual.sets) {
    if (expected.sets.has(name)) continue;
    if (have.elements.size === 0 && options.mayLinger?.(name)) continue;
    out.push(`set ${name} is unexpected`);
  }
  const limit = options.limit ?? 20;
  if (out.length <= limit) return out;
  return [...out.slice(0, limit), `and ${out.length - limit} more difference(s)`];
}
