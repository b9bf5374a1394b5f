import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  closingLine,
  exitStatus,
  type ListedTest,
  readSteps,
  type Step,
  summarize,
  type VitestReport,
} from './test-summary.js';

const file = (
  name: string,
  status: string,
  tests: string[],
  message = '',
): VitestReport['testResults'][number] => ({
  name: `/repo/${name}`,
  status,
  message,
  assertionResults: tests.map((s) => ({ status: s })),
});
const listed = (name: string, n: number): ListedTest[] =>
  Array.from({ length: n }, (_, i) => ({ file: `/repo/${name}`, name: `t${i}` }));
const ok = (name: string): Step => ({ kind: 'check', name, exit: 0 });
const run = (steps: Step[]) => {
  const s = summarize(steps, '/repo');
  return { line: closingLine(s), exit: exitStatus(s), reasons: s.reasons };
};

describe('test summary: the closing line and the exit status agree', () => {
  const host: Step = {
    kind: 'tests',
    name: 'host tests',
    exit: 0,
    report: { testResults: [file('a.test.ts', 'passed', ['passed', 'passed', 'skipped'])] },
  };

  it('counts a green run', () => {
    expect(run([ok('typecheck'), ok('lint'), host])).toEqual({
      line: '2 passed, 0 failed, 1 skipped',
      exit: 0,
      reasons: [],
    });
  });

  it('counts a failed typecheck or lint as one failure each', () => {
    const r = run([
      { kind: 'check', name: 'typecheck', exit: 2 },
      { kind: 'check', name: 'lint', exit: 1 },
      host,
    ]);
    expect(r.line).toBe('2 passed, 2 failed, 1 skipped');
    expect(r.exit).toBe(1);
    expect(r.reasons).toEqual(['typecheck: exit status 2', 'lint: exit status 1']);
  });

  it('counts every listed test of a VM that did not boot (no report) as failed', () => {
    const vm: Step = { kind: 'tests', name: 'vm', exit: 125, list: listed('x.vm.test.ts', 24) };
    const r = run([host, vm]);
    expect(r.line).toBe('2 passed, 24 failed, 1 skipped');
    expect(r.exit).toBe(1);
    expect(r.reasons).toEqual(['vm: 24 test(s) did not run (no report)']);
  });

  it('counts a run with neither report nor list as one failure', () => {
    expect(run([host, { kind: 'tests', name: 'vm', exit: 2 }]).line).toBe(
      '2 passed, 1 failed, 1 skipped',
    );
  });

  it('counts listed tests missing from the report and tests left pending as failed', () => {
    const vm: Step = {
      kind: 'tests',
      name: 'vm',
      exit: 1,
      report: { testResults: [file('x.vm.test.ts', 'passed', ['passed', 'pending', 'pending'])] },
      list: [...listed('x.vm.test.ts', 3), ...listed('y.vm.test.ts', 2)],
    };
    const r = run([vm]);
    expect(r.line).toBe('1 passed, 4 failed, 0 skipped');
    expect(r.reasons).toEqual(['vm: 4 test(s) should have run and did not']);
  });

  it('counts a file that failed outside its tests (did not load, a hook threw) as one failure', () => {
    const broken: Step = {
      kind: 'tests',
      name: 'host tests',
      exit: 1,
      report: {
        testResults: [
          file('a.test.ts', 'failed', [], "Cannot find module './gone.js'\n  at ..."),
          file('b.test.ts', 'failed', ['passed', 'failed']),
        ],
      },
    };
    const r = run([broken]);
    expect(r.line).toBe('1 passed, 2 failed, 0 skipped');
    expect(r.reasons).toEqual([
      'host tests: 1 test(s) failed',
      "host tests: a.test.ts failed outside its tests: Cannot find module './gone.js'",
    ]);
  });

  it('counts a run that exited non-zero while every test passed as one failure', () => {
    const r = run([{ ...host, exit: 1 } as Step]);
    expect(r.line).toBe('2 passed, 1 failed, 1 skipped');
    expect(r.exit).toBe(1);
  });

  it('counts a step left out on purpose as skipped, and nothing passed as a failing status', () => {
    const r = run([{ kind: 'skip', name: 'vm', reason: 'needs root', list: listed('x', 3) }]);
    expect(r.line).toBe('0 passed, 0 failed, 3 skipped');
    expect(r.exit).toBe(1);
  });
});

describe('test summary on the command line', () => {
  it('reads the steps file, prints why, ends with the line, exits 3 on failure', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lbkit-summary-'));
    try {
      writeFileSync(join(dir, 'list.json'), JSON.stringify(listed('x.vm.test.ts', 5)));
      writeFileSync(
        join(dir, 'host.json'),
        JSON.stringify({ testResults: [file('a.test.ts', 'passed', ['passed'])] }),
      );
      const steps = [
        ['check', 'typecheck', '0'],
        ['tests', 'host tests', '0', join(dir, 'host.json'), join(dir, 'absent.json')],
        ['tests', 'vm', '125', join(dir, 'absent.json'), join(dir, 'list.json')],
      ];
      writeFileSync(join(dir, 'steps.tsv'), `${steps.map((s) => s.join('\t')).join('\n')}\n`);
      expect(
        readSteps(`${steps.map((s) => s.join('\t')).join('\n')}\n`).map((s) => s.kind),
      ).toEqual(['check', 'tests', 'tests']);
      let status = 0;
      let out = '';
      try {
        execFileSync(
          process.execPath,
          [
            '--import',
            'tsx',
            fileURLToPath(new URL('./test-summary.ts', import.meta.url)),
            join(dir, 'steps.tsv'),
          ],
          {
            encoding: 'utf8',
          },
        );
      } catch (error) {
        status = (error as { status: number }).status;
        out = (error as { stdout: string }).stdout;
      }
      expect(status).toBe(3);
      expect(out.trim().split('\n').slice(-2)).toEqual([
        'failed: vm: 5 test(s) did not run (no report)',
        '1 passed, 5 failed, 0 skipped',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
