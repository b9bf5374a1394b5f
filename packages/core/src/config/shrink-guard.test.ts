import { describe, expect, it } from 'vitest';
import { parseRulesFile } from './rules-file.js';
import { reloadShrinkProblem } from './shrink-guard.js';

const rules = (lines: readonly string[]) =>
  parseRulesFile(`${lines.join('\n')}\n`, { allowEmpty: true })._unsafeUnwrap();
const line = (svc: number, node: number) =>
  `s${svc}|192.0.2.${svc + 1}|80|n${node}|198.51.100.${svc * 10 + node}`;
const running = rules([1, 2, 3, 4].flatMap((s) => [1, 2, 3].map((n) => line(s, n))));

describe('reloadShrinkProblem', () => {
  it('lets a reload remove up to half of the services and destinations', () => {
    expect(reloadShrinkProblem(running, running)).toBeUndefined();
    const half = rules([1, 2].flatMap((s) => [1, 2, 3].map((n) => line(s, n))));
    expect(reloadShrinkProblem(running, half)).toBeUndefined();
    expect(reloadShrinkProblem([], [])).toBeUndefined();
  });

  it('refuses removing more than the share, of services or of destinations', () => {
    const one = rules([1, 2, 3].map((n) => line(1, n)));
    expect(reloadShrinkProblem(running, one)).toBe(
      'it would remove 3 of 4 services (75%) and 9 of 12 destinations (75%), more than the 50% a reload may remove',
    );
    const thin = rules([1, 2, 3, 4].map((s) => line(s, 1)));
    expect(reloadShrinkProblem(running, thin)).toMatch(
      /0 of 4 services \(0%\) and 8 of 12 destinations \(67%\)/,
    );
    expect(reloadShrinkProblem(running, [])).toMatch(/4 of 4 services \(100%\)/);
  });

  it('takes the share as given: 1 never refuses, 0 refuses any removal', () => {
    expect(reloadShrinkProblem(running, [], 1)).toBeUndefined();
    const minusOne = rules([1, 2, 3, 4].flatMap((s) => [1, 2, 3].map((n) => line(s, n))).slice(1));
    expect(reloadShrinkProblem(running, minusOne, 0)).toMatch(/1 of 12 destinations \(8%\)/);
    expect(reloadShrinkProblem(running, minusOne)).toBeUndefined();
  });
});
