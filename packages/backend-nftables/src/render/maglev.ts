/**
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016, section 3.4): a lookup
 * table of M (prime) slots filled from each destination's permutation
 * `(offset + j * skip) mod M`, with offset and skip from two hashes of the
 * destination NAME (not its position), so the table depends only on the set of
 * names. When a destination goes away, its slots go to others and only a few
 * other slots move (Maglev's "minimal disruption" is near-minimal, not exact).
 * Weights are honoured like IPVS `mh`: a destination takes `weight / gcd` turns
 * per round.
 * @module
 */
import { fnv1a32 } from '../names.js';

export { fnv1a32 };

/** Second, independent basis for the skip hash. */
const SKIP_BASIS = 0x050c5d1f;

/** One Maglev input: a destination's stable name and its weight (> 0). */
export interface MaglevEntry {
  readonly name: string;
  readonly weight: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * Builds the lookup table: `table[slot]` is an index into `entries`.
 * `size` must be a prime; `entries` non-empty with weights > 0 (callers filter).
 */
export function maglevTable(input: readonly MaglevEntry[], size: number): number[] {
  const n = input.length;
  if (n === 0) return [];
  // Fill in name order, so the table depends on the set of names, not on list order.
  const order = input.map((_, i) => i).sort((a, b) => (input[a]!.name < input[b]!.name ? -1 : 1));
  const entries = order.map((i) => input[i]!);
  const offset = entries.map((e) => fnv1a32(e.name) % size);
  const skip = entries.map((e) => (fnv1a32(e.name, SKIP_BASIS) % (size - 1)) + 1);
  const g = entries.reduce((acc, e) => gcd(acc, e.weight), 0) || 1;
  const turns = entries.map((e) => Math.max(1, Math.round(e.weight / g)));
  const next = new Array<number>(n).fill(0);
  const table = new Array<number>(size).fill(-1);
  let filled = 0;
  for (;;) {
    for (let i = 0; i < n; i++) {
      for (let t = 0; t < turns[i]!; t++) {
        let slot = (offset[i]! + next[i]! * skip[i]!) % size;
        while (table[slot]! >= 0) {
          next[i]!++;
          slot = (offset[i]! + next[i]! * skip[i]!) % size;
        }
        table[slot] = order[i]!;
        next[i]!++;
        filled++;
        if (filled === size) return table;
      }
    }
  }
}
