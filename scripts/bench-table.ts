/** One row of a benchmark table: a label and named cells. */
export type BenchRow = Readonly<Record<string, string | number>>;

/** A benchmark result: a titled table, with an optional note under it. */
export interface BenchTable {
  readonly title: string;
  readonly rows: readonly BenchRow[];
  readonly note?: string;
}

const cell = (v: string | number | undefined): string =>
  v === undefined ? '' : typeof v === 'number' ? formatNumber(v) : v;

function formatNumber(v: number): string {
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

/** Renders a table as aligned plain text (columns from the union of row keys). */
export function formatTable(table: BenchTable): string {
  const columns = [...new Set(table.rows.flatMap((r) => Object.keys(r)))];
  const widths = columns.map((c) =>
    table.rows.reduce((width, r) => Math.max(width, cell(r[c]).length), c.length),
  );
  const line = (values: string[]) =>
    values.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  const out = [`## ${table.title}`, line(columns), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const row of table.rows) out.push(line(columns.map((c) => cell(row[c]))));
  if (table.note) out.push('', table.note);
  return out.join('\n');
}

/** Percentile (0..100) of an unsorted sample, nearest-rank. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
