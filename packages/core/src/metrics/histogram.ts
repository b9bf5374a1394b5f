/**
 * A fixed-bucket histogram: O(buckets) per observation (a dozen compares),
 * cumulative counts computed only when rendered.
 * @module
 */
import type { Exposition } from './exposition.js';

/**
 * Default upper bounds in seconds, for checks and applies: from 0.5 ms (a
 * probe on the same LAN, a small nftables transaction) to 10 s (a timeout).
 */
export const DEFAULT_DURATION_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Observations of one label set. */
export class Histogram {
  readonly #bounds: readonly number[];
  /** Per bucket (not cumulative); the last slot is `+Inf`. */
  readonly #counts: number[];
  #sum = 0;
  #count = 0;

  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
    this.#counts = new Array<number>(bounds.length + 1).fill(0);
  }

  /** Adds one observation (seconds). Negative or non-finite values count as 0. */
  observe(value: number): void {
    const v = Number.isFinite(value) && value > 0 ? value : 0;
    let i = 0;
    while (i < this.#bounds.length && v > this.#bounds[i]!) i++;
    this.#counts[i]!++;
    this.#sum += v;
    this.#count++;
  }

  /** Writes `_bucket` (cumulative, `+Inf` = count), `_sum` and `_count` of `name`. */
  write(out: Exposition, name: string, labels: string): void {
    const prefix = labels === '' ? '' : `${labels},`;
    let cumulative = 0;
    for (let i = 0; i < this.#bounds.length; i++) {
      cumulative += this.#counts[i]!;
      out.sample(`${name}_bucket`, `${prefix}le="${this.#bounds[i]}"`, cumulative);
    }
    out.sample(`${name}_bucket`, `${prefix}le="+Inf"`, this.#count);
    out.sample(`${name}_sum`, labels, this.#sum);
    out.sample(`${name}_count`, labels, this.#count);
  }
}

/** True when `bounds` is a usable bucket list: finite, positive, strictly increasing. */
export const validBuckets = (bounds: readonly number[]): boolean =>
  bounds.length > 0 &&
  bounds.every((b, i) => Number.isFinite(b) && b > 0 && (i === 0 || b > bounds[i - 1]!));
