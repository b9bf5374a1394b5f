/**
 * How a service's selector slots are filled. The selector of a service rule is
 * `numgen inc|random mod K` or `jhash saddr mod K`; slot `s` maps to one
 * destination through `slots<fam>_<proto>`. When K stays the same, a change
 * of destinations touches only map elements, never the rule, so it costs the
 * same whatever the table holds (no rule means no nft cache load and no kernel
 * bind walk). K therefore depends on a CLASS of destination counts, not on the
 * count itself:
 *
 * - equal weights (`rr`; `wrr`/`random`/`sh` with equal weights): n live
 *   destinations in 1..3 -> K = 6, 4 -> K = 12, 5..6 -> K = 60, 7..8 -> K = 840
 *   (a multiple of every n of the class), so any n of the class divides K and slot
 *   `s -> live[s mod n]` is exact and strictly alternating; above 8, K = n (the
 *   rule changes whenever n does). No live destination: K = 6, no slot. The
 *   first class is 1..3 and not 1..4 because most services have 2 or 3
 *   destinations: 6 slots instead of 12 halve the elements of a table (and
 *   the cost of a cold apply); a service of exactly 4 destinations pays a rule
 *   rewrite when it drops to 3.
 * - unequal weights (`wrr`, `random`, `sh`): K = sum of the weights divided by
 *   their gcd (scaled down to at most `MAX_SLOTS`), destination i holds
 *   `weight_i / gcd` consecutive slots; K changes with the weights (rule rewrite).
 * - `mh`: K = the Maglev table size, always (see `maglev.ts`).
 * @module
 */

/** Largest number of map slots one service gets (weights are scaled down beyond it). */
export const MAX_SLOTS = 1024;

/** Destination-count classes: `[largest n, K = lcm(1..n)]`, smallest first. */
export const SLOT_CLASSES: readonly (readonly [number, number])[] = [
  [3, 6],
  [4, 12],
  [6, 60],
  [8, 840],
];

/** K for `n` equally weighted live destinations (see the module comment). */
export function equalSlotCount(n: number): number {
  for (const [most, k] of SLOT_CLASSES) if (n <= most) return k;
  return n;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * Slot units per destination for unequal weights: weights divided by their gcd,
 * then, when their sum exceeds `cap`, scaled to sum to at most `cap` (largest
 * remainder, every destination keeps at least one slot). Weights must be > 0.
 */
export function weightUnits(weights: readonly number[], cap = MAX_SLOTS): number[] {
  const g = weights.reduce((acc, w) => gcd(acc, w), 0) || 1;
  const units = weights.map((w) => w / g);
  const total = units.reduce((a, b) => a + b, 0);
  if (total <= cap) return units;
  const budget = Math.max(cap - units.length, 0);
  const exact = units.map((u) => (u * budget) / total);
  const out = exact.map((x) => 1 + Math.floor(x));
  let left = budget - exact.reduce((a, x) => a + Math.floor(x), 0);
  const order = exact
    .map((x, i) => [x - Math.floor(x), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    out[i]!++;
    left--;
  }
  return out;
}

/** A service's slot plan: the modulus K and, per slot, an index into the live destinations. */
export interface SlotPlan {
  /** Modulus of the selector (`mod K`). */
  readonly modulus: number;
  /** `slots[s]` = index of the live destination slot `s` goes to (length K, or 0 when empty). */
  readonly slots: readonly number[];
}

/** Equal-weight plans by live count: every service with n live destinations shares one. */
const equalPlans = new Map<number, SlotPlan>();
function equalPlan(n: number): SlotPlan {
  let plan = equalPlans.get(n);
  if (!plan) {
    const modulus = equalSlotCount(n);
    const slots = n === 0 ? [] : Array.from({ length: modulus }, (_, s) => s % n);
    plan = { modulus, slots };
    equalPlans.set(n, plan);
  }
  return plan;
}

/**
 * Slot plan for non-`mh` schedulers: `weights` of the live destinations (all
 * > 0), `weighted` = honour unequal weights (false for `rr`).
 */
export function slotPlan(weights: readonly number[], weighted: boolean): SlotPlan {
  const n = weights.length;
  const equal = !weighted || weights.every((w) => w === weights[0]);
  if (equal) return equalPlan(n);
  const units = weightUnits(weights);
  const slots: number[] = [];
  units.forEach((u, i) => {
    for (let j = 0; j < u; j++) slots.push(i);
  });
  return { modulus: slots.length, slots };
}
