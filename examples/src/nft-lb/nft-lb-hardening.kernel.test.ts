/**
 * nft-lb under the abuse a production host gives a daemon, for real: the
 * daemon in the balancer's namespace of the standard lab, a client asking the
 * VIP. SIGHUP right after the start, a closed stdout, a truncated, empty or
 * mostly-removing file on SIGHUP, and 130,000 bad lines on SIGHUP: the daemon
 * stays alive, keeps its running configuration and keeps balancing.
 */
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BalancerLab, canUseNetns, createBalancerLab, LAB } from '@lbkit/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../common/lines.js';
import { programArgv } from '../programs.js';
import {
  type RunningProgram,
  startNameServer,
  startProgram,
  tally,
  traceFrom,
} from '../test-support/daemon.js';
import { catchesSignal } from './reload-pid.js';

const rules = (servers: readonly number[], web: readonly number[] = [1, 2]): string =>
  [
    '# svc|vip|port|node|ip',
    ...servers.map((n) => `line|${LAB.vip}|7000|s${n}|${LAB.server(n)}`),
    ...web.map((n) => `web|${LAB.vip}|80|s${n}|${LAB.server(n)}`),
    '',
  ].join('\n');

const FLAGS = ['--interval', '200ms', '--timeout', '500ms', '--fall', '2', '--rise', '2'];

/** `nft-lb --reload PID` from the host (PIDs are shared by every network namespace). */
function reload(pid: number): Promise<number> {
  const [node, ...script] = programArgv('nft-lb');
  return new Promise((resolve) => {
    execFile(node!, [...script, '--reload', String(pid)], { timeout: 20_000 }, (error) =>
      resolve(error ? Number(error.code ?? 1) : 0),
    );
  });
}

const handlesSighup = (pid: number): boolean => {
  try {
    return catchesSignal(readFileSync(`/proc/${pid}/status`, 'utf8'), 1);
  } catch {
    return false;
  }
};

describe.skipIf(!canUseNetns())('nft-lb hardening in a network namespace lab', () => {
  let built: BalancerLab;
  let dir: string;
  let file: string;
  let daemon: RunningProgram | undefined;
  const servers = new Map<string, ChildProcess>();

  const startServer = async (name: string) => {
    servers.set(name, await startNameServer(built.lab, name));
  };
  const start = (extra: readonly string[] = []) => {
    daemon = startProgram(built.lab, 'lb', 'nft-lb', ['--rules', file, ...FLAGS, ...extra]);
    return daemon;
  };
  const lineAnswers = async (rounds = 12) =>
    tally(await traceFrom(built.lab, 'client', LAB.vip, 'tcp:7000', rounds));
  const alive = (d: RunningProgram) => d.child.exitCode === null && d.child.signalCode === null;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lbkx-hard-'));
    file = join(dir, 'nft_lb_rules');
    built = await createBalancerLab('lbkx', 3);
    await Promise.all(built.servers.map(startServer));
  });

  afterEach(async () => {
    if (daemon) expect(await daemon.stop('SIGTERM')).toBe(0);
    daemon = undefined;
  });

  afterAll(async () => {
    await daemon?.stop();
    await built?.lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([0, 50, 100])(
    'SIGHUP %i ms after spawn (sent by --reload, as the unit does) leaves it alive, reloaded once running',
    async (delayMs) => {
      writeFileSync(file, rules([1, 2, 3]));
      const d = start();
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      expect(await reload(d.child.pid!)).toBe(0);
      await d.waitForLine(/balancing 2 service\(s\), 5 destination\(s\)/);
      await d.waitForLine(/SIGHUP: reading /);
      await d.waitForLine(/every destination has had its first verdict/);
      await built.lab.exec('lb', ['sleep', '0.3']);
      expect(await lineAnswers()).toEqual({ s1: 4, s2: 4, s3: 4 });
      expect(alive(d)).toBe(true);
    },
  );

  it('a raw SIGHUP at the first moment it can be handled, before the rules are read, is kept', async () => {
    writeFileSync(file, rules([1, 2, 3]));
    const d = start();
    await waitFor(() => handlesSighup(d.child.pid!), 20_000, 'a SIGHUP handler');
    d.child.kill('SIGHUP');
    expect(d.lines.some((l) => /balancing/.test(l))).toBe(false);
    const balancing = await d.waitForLine(/balancing 2 service\(s\)/);
    await d.waitForLine(/SIGHUP: reading /, 15_000, d.lines.indexOf(balancing));
    expect(alive(d)).toBe(true);
  });

  it('stdout closed (EPIPE): alive and still balancing, its lines go on through stderr', async () => {
    writeFileSync(file, rules([1, 2, 3]));
    const d = start();
    await d.waitForLine(/every destination has had its first verdict/);
    d.child.stdout?.destroy();
    const from = d.lines.length;
    d.child.kill('SIGHUP'); // "SIGHUP: reading ..." is an information line: stdout, which is gone
    await d.waitForLine(/stdout is gone \(EPIPE\); its lines go to stderr/, 10_000, from);
    await built.lab.kill(servers.get('s3')!, 'SIGKILL');
    await d.waitForLine(/destination s3 .* up -> down/, 5000, from);
    await d.waitForLine(/kernel updated .*: line$/, 5000, from);
    expect(await lineAnswers(10)).toEqual({ s1: 5, s2: 5 });
    await startServer('s3');
    await d.waitForLine(/destination s3 .* down -> up/, 5000, from);
    await built.lab.exec('lb', ['sleep', '0.3']);
    expect(await lineAnswers()).toEqual({ s1: 4, s2: 4, s3: 4 });
    expect(alive(d)).toBe(true);
  });

  it('a truncated, empty or mostly-removing file on SIGHUP is refused; the running configuration stays', async () => {
    writeFileSync(file, rules([1, 2, 3]));
    const d = start();
    await d.waitForLine(/every destination has had its first verdict/);
    await built.lab.exec('lb', ['sleep', '0.3']);
    const full = rules([1, 2, 3]);
    const refused = [
      // Cut mid-line: "198.51.100.13" became "198.51.100.1" (valid, wrong); no line end.
      full.slice(0, full.indexOf(LAB.server(3)) + LAB.server(3).length - 1),
      '',
      '# svc|vip|port|node|ip\n',
      rules([1], []),
    ];
    for (const text of refused) {
      const from = d.lines.length;
      writeFileSync(file, text);
      d.child.kill('SIGHUP');
      await d.waitForLine(/keeping the running configuration/, 5000, from);
      expect(await lineAnswers()).toEqual({ s1: 4, s2: 4, s3: 4 });
    }
    expect(d.lines.join('\n')).toMatch(/line 4, the last, has no line end/);
    expect(d.lines.join('\n')).toMatch(
      /it would remove 1 of 2 services \(50%\) and 4 of 5 destinations \(80%\)/,
    );
    const from = d.lines.length;
    writeFileSync(file, rules([2, 3]));
    d.child.kill('SIGHUP');
    await d.waitForLine(/configuration changed: updated line$/, 5000, from);
    await d.waitForLine(/kernel updated .*: line$/, 5000, from);
    expect(await lineAnswers(10)).toEqual({ s2: 5, s3: 5 });
  });

  it('--allow-shrink applies a reload that removes most of it', async () => {
    writeFileSync(file, rules([1, 2, 3]));
    const d = start(['--allow-shrink']);
    await d.waitForLine(/every destination has had its first verdict/);
    const from = d.lines.length;
    writeFileSync(file, rules([1], []));
    d.child.kill('SIGHUP');
    await d.waitForLine(/configuration changed: removed web; updated line$/, 5000, from);
    await d.waitForLine(/kernel updated/, 5000, from);
    expect(await lineAnswers(6)).toEqual({ s1: 6 });
  });

  it('130,000 bad lines on SIGHUP: a short, clean error, alive, the running configuration kept', async () => {
    writeFileSync(file, rules([1, 2, 3]));
    const d = start();
    await d.waitForLine(/every destination has had its first verdict/);
    await built.lab.exec('lb', ['sleep', '0.3']);
    const from = d.lines.length;
    writeFileSync(
      file,
      `${Array.from({ length: 130_000 }, (_, i) => `bad line ${i}`).join('\n')}\n`,
    );
    d.child.kill('SIGHUP');
    const last = await d.waitForLine(/keeping the running configuration/, 60_000, from);
    const report = d.lines.slice(from, d.lines.indexOf(last, from) + 1);
    expect(report.length).toBeLessThanOrEqual(23);
    expect(report).toContain(`${file}: and 129,980 more problems`);
    expect(last).toBe(
      `${file}: not applied (130,000 problem(s)); keeping the running configuration`,
    );
    expect(report.join('\n')).not.toMatch(/RangeError|at .*\.ts:\d+/);
    expect(alive(d)).toBe(true);
    expect(await lineAnswers()).toEqual({ s1: 4, s2: 4, s3: 4 });
  });
});
