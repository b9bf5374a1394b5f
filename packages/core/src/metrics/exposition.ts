/**
 * The Prometheus text exposition format, version 0.0.4: family headers,
 * escaped label values, numbers as Prometheus writes them. Pure.
 * https://prometheus.io/docs/instrumenting/exposition_formats/
 * @module
 */

/** `Content-Type` of a scrape answer in this format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Metric kinds lbkit writes. */
export type MetricType = 'counter' | 'gauge' | 'histogram';

/** A label value with `\`, `"` and newline escaped (the only escapes the format has). */
export const escapeLabelValue = (value: string): string =>
  /[\\"\n]/.test(value)
    ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
    : value;

/** HELP text with `\` and newline escaped. */
const escapeHelp = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

/** `a="x",b="y"` (no braces), values escaped. */
export const labelPairs = (pairs: Readonly<Record<string, string | number>>): string =>
  Object.entries(pairs)
    .map(([k, v]) => `${k}="${escapeLabelValue(String(v))}"`)
    .join(',');

/** A sample value: integers as they are, `+Inf`/`-Inf`/`NaN` spelled as the format wants. */
export const sampleValue = (value: number): string =>
  Number.isNaN(value)
    ? 'NaN'
    : value === Number.POSITIVE_INFINITY
      ? '+Inf'
      : value === Number.NEGATIVE_INFINITY
        ? '-Inf'
        : String(value);

/** Collects lines family by family; `text()` ends with a newline. */
export class Exposition {
  readonly #lines: string[] = [];

  /** Starts a family: its `# HELP` and `# TYPE` lines. Returns `name`. */
  family(name: string, type: MetricType, help: string): string {
    this.#lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    return name;
  }

  /** One sample; `labels` is pre-rendered `a="x",b="y"` or empty. */
  sample(name: string, labels: string, value: number): void {
    this.#lines.push(
      labels === '' ? `${name} ${sampleValue(value)}` : `${name}{${labels}} ${sampleValue(value)}`,
    );
  }

  /** Text already in the format (another renderer's output), appended as it is. */
  raw(text: string): void {
    const trimmed = text.endsWith('\n') ? text.slice(0, -1) : text;
    if (trimmed !== '') this.#lines.push(trimmed);
  }

  /** The whole exposition. */
  text(): string {
    return this.#lines.length === 0 ? '' : `${this.#lines.join('\n')}\n`;
  }
}
