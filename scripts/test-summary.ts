/**
 * `npm test`'s closing line: "N passed, N failed, N skipped" over every step of
 * scripts/test-all, and the exit status that goes with it (1 when anything
 * failed or nothing passed), so the line and the status never disagree.
 *
 * Usage: node --import tsx scripts/test-summary.ts STEPS.tsv
 * Prints the closing line (after one line per failure that is not a failed
 * test) and exits 0, or 3 when something failed or nothing passed; any other
 * status means the summary itself broke (scripts/test-all then reports that).
 *
 * STEPS.tsv has one line per step, tab-separated:
 *   check  NAME  EXIT                      a step without tests (typecheck, lint)
 *   tests  NAME  EXIT  REPORT  [LIST]      a vitest run: its JSON report, and the
 *                                          `vitest list --json` of what should run
 *   skip   NAME  REASON  [LIST]            a test step left out on purpose
 *
 * What counts as failed: every failed test; every test that should have run
 * and did not (in the list but not in the report, or "pending" in the report:
 * its worker died); and one for each failure that has no test of its own: a
 * check that exited non-zero, a test file that failed outside its tests (did
 * not load, a hook threw), a vitest run that exited non-zero while every test
 * it ran passed, a run that left no report and no list to count from.
 */
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';

/** One step of scripts/test-all. */
export type Step =
  | { readonly kind: 'check'; readonly name: string; readonly exit: number }
  | {
      readonly kind: 'tests';
      readonly name: string;
      readonly exit: number;
      readonly report?: VitestReport;
      readonly list?: readonly ListedTest[];
    }
  | {
      readonly kind: 'skip';
      readonly name: string;
      readonly reason: string;
      readonly list?: readonly ListedTest[];
    };

/** The parts of vitest's JSON reporter output read here. */
export interface VitestReport {
  readonly testResults: readonly {
    readonly name: string;
    readonly status: string;
    readonly message?: string;
    readonly assertionResults: readonly { readonly status: string }[];
  }[];
}

/** One entry of `vitest list --json`. */
export interface ListedTest {
  readonly file: string;
  readonly name: string;
}

/** The totals and, for each failure that is not a failed test, one line saying why. */
export interface Summary {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly reasons: readonly string[];
}

/** Adds up the steps (pure). `root` shortens file names in the reasons. */
export function summarize(steps: readonly Step[], root = process.cwd()): Summary {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const reasons: string[] = [];
  const fail = (n: number, why: string) => {
    failed += n;
    reasons.push(why);
  };
  for (const step of steps) {
    if (step.kind === 'check') {
      if (step.exit !== 0) fail(1, `${step.name}: exit status ${step.exit}`);
      continue;
    }
    if (step.kind === 'skip') {
      skipped += step.list?.length ?? 0;
      continue;
    }
    const counted = countRun(step, root);
    passed += counted.passed;
    skipped += counted.skipped;
    for (const [n, why] of counted.failures) fail(n, `${step.name}: ${why}`);
    if (step.exit !== 0 && counted.failures.length === 0) {
      fail(
        1,
        `${step.name}: exit status ${step.exit} although no test failed (see the output above)`,
      );
    }
  }
  return { passed, failed, skipped, reasons };
}

interface RunCount {
  passed: number;
  skipped: number;
  /** [how many failed, why] */
  failures: [number, string][];
}

function countRun(step: Extract<Step, { kind: 'tests' }>, root: string): RunCount {
  const out: RunCount = { passed: 0, skipped: 0, failures: [] };
  const expected = new Map<string, number>();
  for (const t of step.list ?? []) expected.set(t.file, (expected.get(t.file) ?? 0) + 1);
  const listedTotal = step.list?.length ?? 0;
  if (!step.report) {
    if (step.list)
      out.failures.push([listedTotal, `${listedTotal} test(s) did not run (no report)`]);
    else
      out.failures.push([1, 'no test report and no list of its tests: nothing could be counted']);
    return out;
  }
  let failedTests = 0;
  let notRun = 0;
  for (const file of step.report.testResults) {
    const name = relative(root, file.name) || file.name;
    let failedHere = 0;
    for (const a of file.assertionResults) {
      if (a.status === 'passed') out.passed++;
      else if (a.status === 'failed') failedHere++;
      else if (a.status === 'skipped' || a.status === 'todo' || a.status === 'disabled')
        out.skipped++;
      else notRun++; // "pending": collected, never finished (its worker died)
    }
    failedTests += failedHere;
    const missing = (expected.get(file.name) ?? 0) - file.assertionResults.length;
    if (missing > 0) notRun += missing;
    expected.delete(file.name);
    if (file.status === 'failed' && failedHere === 0) {
      const message = (file.message ?? '').split('\n')[0]?.trim();
      out.failures.push([1, `${name} failed outside its tests${message ? `: ${message}` : ''}`]);
    }
  }
  for (const n of expected.values()) notRun += n;
  if (failedTests > 0) out.failures.unshift([failedTests, `${failedTests} test(s) failed`]);
  if (notRun > 0) out.failures.push([notRun, `${notRun} test(s) should have run and did not`]);
  return out;
}

/** The closing line. */
export const closingLine = (s: Summary): string =>
  `${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`;

/** The exit status that goes with the line. */
export const exitStatus = (s: Summary): number => (s.failed > 0 || s.passed === 0 ? 1 : 0);

/** Parses STEPS.tsv; a report or list that is missing or unreadable is left out. */
export function readSteps(text: string): Step[] {
  const json = <T>(path: string | undefined): T | undefined => {
    if (!path || !existsSync(path)) return undefined;
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as T;
    } catch {
      return undefined;
    }
  };
  const steps: Step[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const [kind, name = '?', a = '', b, c] = line.split('\t');
    const report = json<VitestReport>(b);
    const list = json<ListedTest[]>(kind === 'skip' ? b : c);
    if (kind === 'check') steps.push({ kind, name, exit: Number(a) });
    else if (kind === 'skip') steps.push({ kind, name, reason: a, ...(list && { list }) });
    else if (kind === 'tests') {
      steps.push({ kind, name, exit: Number(a), ...(report && { report }), ...(list && { list }) });
    } else throw new Error(`test-summary: unknown step kind '${kind}' in: ${line}`);
  }
  return steps;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const steps = readSteps(readFileSync(process.argv[2] ?? '', 'utf8'));
  const summary = summarize(steps);
  const lines = [''];
  for (const step of steps)
    if (step.kind === 'skip') lines.push(`skipped: ${step.name}: ${step.reason}`);
  for (const why of summary.reasons) lines.push(`failed: ${why}`);
  lines.push(closingLine(summary));
  console.log(lines.join('\n'));
  process.exit(exitStatus(summary) === 0 ? 0 : 3);
}
