/**
 * A small, strict reader of the Prometheus text format 0.0.4, for tests: it
 * throws on anything a scraper could reject or misread — a sample before its
 * family's HELP/TYPE, a family split in two, a bad name, label or escape, a
 * duplicate series, a counter without `_total`, a histogram whose buckets are
 * not cumulative or whose `+Inf` differs from `_count`. Use it to test a
 * daemon's `/metrics` (`@lbkit/core/testing`).
 * @module
 */

/** One sample line. */
export interface ParsedSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** One family: its type, help and samples in order. */
export interface ParsedFamily {
  readonly type: string;
  readonly help: string;
  readonly samples: ParsedSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Reads `{a="x",b="y"}` from `text` at `start` (the `{`); returns the labels and the end. */
function readLabels(text: string, start: number): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  let i = start + 1;
  while (text[i] !== '}') {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`label without =: ${text}`);
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new Error(`bad label name ${name}`);
    if (name in labels) throw new Error(`label ${name} twice: ${text}`);
    if (text[eq + 1] !== '"') throw new Error(`unquoted label value: ${text}`);
    let value = '';
    let j = eq + 2;
    for (;;) {
      const c = text[j];
      if (c === undefined || c === '\n') throw new Error(`unterminated label value: ${text}`);
      if (c === '"') break;
      if (c === '\\') {
        const next = text[j + 1];
        if (next === '\\') value += '\\';
        else if (next === '"') value += '"';
        else if (next === 'n') value += '\n';
        else throw new Error(`bad escape \\${next} in ${text}`);
        j += 2;
        continue;
      }
      value += c;
      j++;
    }
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new Error(`expected , or } at ${i}: ${text}`);
  }
  return [labels, i + 1];
}

const parseValue = (text: string): number => {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  if (!/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(text)) throw new Error(`bad value ${text}`);
  return Number(text);
};

/** The family a sample name belongs to (histograms own `_bucket`, `_sum`, `_count`). */
function familyOf(name: string, families: ReadonlyMap<string, ParsedFamily>): string | undefined {
  if (families.has(name)) return name;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  return m && families.get(m[1]!)?.type === 'histogram' ? m[1] : undefined;
}

/** Parses and checks a whole exposition; throws on the first problem. */
export function parseExposition(text: string): Map<string, ParsedFamily> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('text must end with a newline');
  const families = new Map<string, ParsedFamily>();
  const seen = new Set<string>();
  let current: string | undefined;
  const pendingHelp = new Map<string, string>();
  for (const line of text.split('\n').slice(0, -1)) {
    if (line.startsWith('# HELP ')) {
      const [, name, help] = /^# HELP (\S+) (.*)$/.exec(line) ?? [];
      if (!name || !METRIC_NAME.test(name)) throw new Error(`bad HELP line: ${line}`);
      if (families.has(name) || pendingHelp.has(name)) throw new Error(`family ${name} twice`);
      pendingHelp.set(name, help ?? '');
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const [, name, type] =
        /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line) ?? [];
      if (!name || !type) throw new Error(`bad TYPE line: ${line}`);
      if (families.has(name)) throw new Error(`family ${name} twice`);
      const help = pendingHelp.get(name);
      if (help === undefined) throw new Error(`TYPE without HELP: ${name}`);
      pendingHelp.delete(name);
      if (type === 'counter' && !name.endsWith('_total'))
        throw new Error(`counter ${name} without _total`);
      families.set(name, { type, help, samples: [] });
      current = name;
      continue;
    }
    if (line.startsWith('#') || line === '')
      throw new Error(`unexpected line: ${JSON.stringify(line)}`);
    const nameEnd = line.search(/[{ ]/);
    const name = line.slice(0, nameEnd);
    if (!METRIC_NAME.test(name)) throw new Error(`bad metric name in ${line}`);
    const [labels, end] = line[nameEnd] === '{' ? readLabels(line, nameEnd) : [{}, nameEnd];
    if (line[end] !== ' ') throw new Error(`expected one space before the value: ${line}`);
    const value = parseValue(line.slice(end + 1));
    const family = familyOf(name, families);
    if (family === undefined) throw new Error(`sample before its TYPE: ${line}`);
    if (family !== current) throw new Error(`family ${family} is not contiguous: ${line}`);
    const series = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(series)) throw new Error(`duplicate series ${series}`);
    seen.add(series);
    families.get(family)!.samples.push({ name, labels, value });
  }
  if (pendingHelp.size > 0) throw new Error(`HELP without TYPE: ${[...pendingHelp.keys()]}`);
  for (const [name, family] of families)
    if (family.type === 'histogram') checkHistogram(name, family);
  return families;
}

/** Buckets increasing in `le`, cumulative, ending in `+Inf` equal to `_count`, per label set. */
function checkHistogram(name: string, family: ParsedFamily): void {
  const groups = new Map<string, ParsedSample[]>();
  const rest = new Map<string, ParsedSample>();
  for (const s of family.samples) {
    const { le, ...others } = s.labels;
    const key = JSON.stringify(Object.entries(others).sort());
    if (s.name === `${name}_bucket`) {
      if (le === undefined) throw new Error(`${name}_bucket without le`);
      groups.set(key, [...(groups.get(key) ?? []), s]);
    } else rest.set(`${s.name}${key}`, s);
  }
  for (const [key, buckets] of groups) {
    let previousLe = Number.NEGATIVE_INFINITY;
    let previous = 0;
    for (const b of buckets) {
      const le = parseValue(b.labels['le']!);
      if (!(le > previousLe)) throw new Error(`${name}${key}: le not increasing`);
      if (b.value < previous) throw new Error(`${name}${key}: buckets not cumulative`);
      previousLe = le;
      previous = b.value;
    }
    if (previousLe !== Number.POSITIVE_INFINITY) throw new Error(`${name}${key}: no +Inf bucket`);
    const count = rest.get(`${name}_count${key}`);
    if (!rest.has(`${name}_sum${key}`) || count === undefined) {
      throw new Error(`${name}${key}: _sum or _count missing`);
    }
    if (count.value !== previous)
      throw new Error(`${name}${key}: +Inf ${previous} != count ${count.value}`);
  }
}
