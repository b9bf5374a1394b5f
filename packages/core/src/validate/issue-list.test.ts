import { describe, expect, it } from 'vitest';
import type { ServiceInput } from './input.js';
import { type ConfigIssue, formatConfigIssue } from './issue.js';
import {
  countConfigIssues,
  formatConfigIssues,
  IssueList,
  MAX_CONFIG_ISSUES,
} from './issue-list.js';
import { validateServices } from './validate-services.js';

const issue = (line: number, file = 'f'): ConfigIssue => ({
  kind: 'invalid',
  field: 'port',
  message: `bad ${line}`,
  path: 'services[0].port',
  file,
  line,
});

describe('IssueList', () => {
  it('keeps the first issues in line order and counts the rest as one `more`', () => {
    const list = new IssueList(3);
    for (const line of [5, 2, 9, 1, 7]) list.add(issue(line));
    expect(list.count).toBe(5);
    const out = list.toArray();
    expect(out.map((i) => i.line)).toEqual([2, 5, 9, undefined]);
    expect(out[3]).toMatchObject({ kind: 'more', file: 'f', omitted: 2 });
    expect(formatConfigIssue(out[3]!)).toBe('f: and 2 more problems (only the first 3 are kept)');
  });

  it('folds another list (and its `more`) into its count', () => {
    const inner = new IssueList(1);
    for (const line of [1, 2, 3]) inner.add(issue(line));
    const outer = new IssueList(10);
    outer.add(issue(9));
    outer.addAll(inner.toArray());
    expect(outer.count).toBe(4);
    expect(countConfigIssues(outer.toArray())).toBe(4);
  });
});

describe('formatConfigIssues', () => {
  it('prints file:line: field: message, at most max lines, then how many more', () => {
    const issues = Array.from({ length: 25 }, (_, i) => issue(i + 1, 'lb.rules'));
    const lines = formatConfigIssues(issues);
    expect(lines).toHaveLength(21);
    expect(lines[0]).toBe('lb.rules:1: port: bad 1');
    expect(lines.at(-1)).toBe('lb.rules: and 5 more problems');
    expect(formatConfigIssues(issues.slice(0, 2))).toEqual([
      'lb.rules:1: port: bad 1',
      'lb.rules:2: port: bad 2',
    ]);
    expect(formatConfigIssues(issues.slice(0, 2), 1).at(-1)).toBe('lb.rules: and 1 more problem');
  });
});

describe('validateServices on huge input', () => {
  it('130,000 bad services: no stack overflow, at most MAX_CONFIG_ISSUES kept', () => {
    const input = Array.from({ length: 130_000 }, () => 1) as unknown as ServiceInput[];
    const issues = validateServices(input)._unsafeUnwrapErr();
    expect(issues).toHaveLength(MAX_CONFIG_ISSUES + 1);
    expect(countConfigIssues(issues)).toBe(130_000);
    expect(issues[0]).toMatchObject({ path: 'services[0]', message: 'must be an object, got 1' });
  });
});
