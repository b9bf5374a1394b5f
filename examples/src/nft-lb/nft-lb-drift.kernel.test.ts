/**
 * nft-lb against an operator who breaks its table, with real traffic: the
 * periodic drift check puts a flushed ruleset, a deleted table and a dormant
 * table back within the check interval (1 s) + 200 ms and counts the
 * connections that failed meanwhile; `--table` on the operator's own table is
 * refused and leaves it intact; a second daemon on the same table refuses to
 * start (the lock goes with a `kill -9`); a table that cannot be removed on
 * SIGTERM stays as it was, with a clear line, and the exit is clean.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BalancerLab, canUseNetns, createBalancerLab, LAB } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onLines, waitFor } from '../common/lines.js';
import { programArgv } from '../programs.js';
import { type RunningProgram, startProgram, traceLoop } from '../test-support/daemon.js';

const DRIFT_INTERVAL_MS = 1000;

/** The exit code of a program that stops by itself (bounded by 15 s). */
const exited = (p: RunningProgram): Promise<number | null> =>
  p.child.exitCode !== null
    ? Promise.resolve(p.child.exitCode)
    : Promise.race([
        new Promise<number | null>((resolve) => p.child.once('exit', (code) => resolve(code))),
        new Promise<null>((resolve) => setTimeout(() => resolve(null), 15_000)),
      ]);
const flags = ['--interval', '200ms', '--timeout', '500ms', '--fall', '2', '--rise', '2'];

describe.skipIf(!canUseNetns())('nft-lb repairs, owns and locks its table', () => {
  let built: BalancerLab;
  let dir: string;
  let file: string;
  let daemon: RunningProgram | undefined;
  const nft = async (...args: string[]) => built.lab.exec('lb', ['nft', ...args]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lbkx-drift-'));
    file = join(dir, 'nft_lb_rules');
    writeFileSync(
      file,
      [1, 2, 3].map((n) => `line|${LAB.vip}|7000|s${n}|${LAB.server(n)}`).join('\n') + '\n',
    );
    built = await createBalancerLab('lbkx', 3);
    await Promise.all(
      built.servers.map(async (name) => {
        const child = built.lab.spawn(name, [...programArgv('name-server'), '--name', name]);
        let ready = false;
        onLines(child.stdout, (line) => {
          if (line === `ready ${name}`) ready = true;
        });
        await waitFor(() => ready, 15_000, `name server ${name}`);
      }),
    );
  });

  afterAll(async () => {
    await daemon?.stop();
    await built?.lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (extra: readonly string[] = []): Promise<RunningProgram> => {
    const running = startProgram(built.lab, 'lb', 'nft-lb', ['--rules', file, ...flags, ...extra]);
    await running.waitForLine(/every destination has had its first verdict/);
    await built.lab.exec('lb', ['sleep', '0.3']);
    return running;
  };

  it('starts balancing', async () => {
    daemon = await start(['--metrics', '127.0.0.1:9334']);
  });

  for (const [what, command] of [
    ['nft flush ruleset', ['flush', 'ruleset']],
    ['nft delete table', ['delete', 'table', 'inet', 'nft_lb']],
    ['flags dormant', ['add', 'table', 'inet', 'nft_lb', '{ flags dormant ; }']],
  ] as const) {
    it(`${what} under traffic is repaired within the drift interval + 200 ms`, async () => {
      const loop = traceLoop(built.lab, 'client', LAB.vip, 'tcp:7000');
      await loop.started();
      const from = daemon!.lines.length;
      const brokenAt = Date.now();
      await nft(...command);
      const line = await daemon!.waitForLine(/^(<\d>)?drift: /, 5000, from);
      const repairedMs = Date.now() - brokenAt;
      await built.lab.exec('lb', ['sleep', '0.5']);
      const results = await loop.stop();
      const failed = results.filter((r) => !r.ok && r.at >= brokenAt - 50);
      const lastFailure = Math.max(0, ...failed.map((r) => r.at + r.ms)) - brokenAt;
      console.log(
        `${what}: repaired after ${repairedMs} ms; ${failed.length} of ${results.length} connections failed meanwhile (the last ending ${lastFailure} ms after the break)`,
      );
      expect(line).toMatch(/repaired in one transaction/);
      expect(repairedMs).toBeLessThanOrEqual(DRIFT_INTERVAL_MS + 200);
      // Every connection begun after the repair went through.
      expect(results.filter((r) => r.at > brokenAt + repairedMs + 50 && !r.ok)).toEqual([]);
      expect((await nft('list', 'table', 'inet', 'nft_lb')).stdout).not.toMatch(/dormant/);
    });
  }

  it('counts the repairs in /metrics and reads the serving gauge from the kernel', async () => {
    const get =
      "fetch('http://127.0.0.1:9334/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))";
    const text = (await built.lab.exec('lb', ['node', '-e', get])).stdout;
    expect(text).toMatch(/^lbkit_drift_repairs_total 3$/m);
    expect(text).toMatch(/^lbkit_kernel_read_ok 1$/m);
    expect(text).toMatch(
      /^lbkit_destination_kernel_serving\{service="line",destination="s1"\} 1$/m,
    );
  });

  it('a second daemon on the same table refuses to start; after a kill -9 the lock is free', async () => {
    const second = startProgram(built.lab, 'lb', 'nft-lb', ['--rules', file, ...flags]);
    expect(await exited(second)).toBe(1);
    expect(second.lines.join('\n')).toMatch(
      /table inet nft_lb is managed by another lbkit \(pid \d+\): one daemon per table/,
    );
    // The first one never noticed.
    expect((await nft('list', 'table', 'inet', 'nft_lb')).stdout).toMatch(
      /comment "managed by lbkit"/,
    );
    await built.lab.kill(daemon!.child, 'SIGKILL');
    daemon = await start();
    expect(daemon.lines.join('\n')).toMatch(/taking over the table of the previous run/);
  });

  it("--table on the operator's own table is refused, and that table stays intact", async () => {
    await built.lab.exec(
      'lb',
      ['nft', '-f', '-'],
      'table inet filter {\n chain input {\n  type filter hook input priority 0; policy accept;\n  tcp dport 22 accept\n }\n}\n',
    );
    const before = (await nft('list', 'table', 'inet', 'filter')).stdout;
    const intruder = startProgram(built.lab, 'lb', 'nft-lb', [
      '--rules',
      file,
      ...flags,
      '--table',
      'filter',
    ]);
    expect(await exited(intruder)).toBe(1);
    expect(intruder.lines.join('\n')).toMatch(
      /table inet filter exists and was not created by lbkit .*: it is never modified or deleted/,
    );
    expect((await nft('list', 'table', 'inet', 'filter')).stdout).toBe(before);
  });

  it('SIGTERM when the table cannot be removed: it stays as it is, one clear line, a clean exit', async () => {
    // Someone replaces the table with one of their own: lbkit must not delete it.
    // Lines counted before: the drift check (every second) may answer before the exec returns.
    const from = daemon!.lines.length;
    await built.lab.exec(
      'lb',
      ['nft', '-f', '-'],
      'delete table inet nft_lb\nadd table inet nft_lb\n',
    );
    await daemon!.waitForLine(
      /drift check failed \(rejected\): .*not created by lbkit/,
      3000,
      from,
    );
    expect(await daemon!.stop('SIGTERM')).toBe(0);
    daemon = undefined;
    expect((await nft('list', 'tables')).stdout).toContain('table inet nft_lb');
  });
});
