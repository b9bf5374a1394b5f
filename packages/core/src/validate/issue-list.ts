/**
 * A bounded list of config issues: a file with 130,000 bad lines must give a
 * clean, short error, not 130,000 objects (or a stack overflow). The first
 * `limit` issues are kept; the rest are only counted and stand as one issue
 * of kind `more` at the end.
 */
import { type ConfigIssue, formatConfigIssue } from './issue.js';

/** Most issues one validation or load keeps; further ones are counted (kind `more`). */
export const MAX_CONFIG_ISSUES = 1000;

/** Most issues `formatConfigIssues` prints by default before `and N more problem(s)`. */
export const MAX_SHOWN_ISSUES = 20;

/** `and 1 more problem`, `and 119,990 more problems`. */
const andMore = (n: number): string =>
  `and ${n.toLocaleString('en-US')} more ${n === 1 ? 'problem' : 'problems'}`;

/** Collects issues up to a limit and counts the rest. */
export class IssueList {
  readonly #kept: ConfigIssue[] = [];
  readonly #limit: number;
  #omitted = 0;
  #file: string | undefined;

  constructor(limit: number = MAX_CONFIG_ISSUES) {
    this.#limit = limit;
  }

  /** Adds one issue; an issue of kind `more` adds the problems it stands for. */
  add(issue: ConfigIssue): void {
    this.#file ??= issue.file;
    if (issue.kind === 'more') this.#omitted += issue.omitted ?? 0;
    else if (this.#kept.length < this.#limit) this.#kept.push(issue);
    else this.#omitted++;
  }

  /** Adds every issue of `issues` (an array, another list's `toArray()`, ...). */
  addAll(issues: Iterable<ConfigIssue>): void {
    for (const issue of issues) this.add(issue);
  }

  /** Every problem found, kept or only counted. */
  get count(): number {
    return this.#kept.length + this.#omitted;
  }

  /**
   * The kept issues in file order (issues without a line first; stable), then
   * one issue of kind `more` when problems were only counted.
   */
  toArray(): ConfigIssue[] {
    const out = this.#kept.slice().sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    if (this.#omitted > 0) {
      out.push({
        kind: 'more',
        message: `${andMore(this.#omitted)} (only the first ${this.#limit.toLocaleString('en-US')} are kept)`,
        path: '',
        ...(this.#file !== undefined ? { file: this.#file } : {}),
        omitted: this.#omitted,
      });
    }
    return out;
  }
}

/** Every problem `issues` stands for (an issue of kind `more` counts as its `omitted`). */
export function countConfigIssues(issues: readonly ConfigIssue[]): number {
  let n = 0;
  for (const issue of issues) n += issue.kind === 'more' ? (issue.omitted ?? 0) : 1;
  return n;
}

/**
 * One line per issue (`file:line: field: message`), at most `max` of them,
 * then `file: and 119,990 more problems` for the rest — what a terminal or
 * journald should get from a file with thousands of bad lines.
 */
export function formatConfigIssues(
  issues: readonly ConfigIssue[],
  max: number = MAX_SHOWN_ISSUES,
): string[] {
  const lines: string[] = [];
  let file: string | undefined;
  for (const issue of issues) {
    file ??= issue.file;
    if (issue.kind !== 'more' && lines.length < max) lines.push(formatConfigIssue(issue));
  }
  const rest = countConfigIssues(issues) - lines.length;
  if (rest > 0) lines.push(`${file !== undefined ? `${file}: ` : ''}${andMore(rest)}`);
  return lines;
}
