/**
 * `nft-lb ctl` against the real daemon in the balancer's namespace of the
 * standard lab, on its default control socket: status, drain (a real new
 * connection no longer reaches the server), enable, unknown names (nothing
 * changes), reload of an edited file and of a broken one (its file:line comes
 * back, the daemon keeps balancing), root only, a second daemon refused on a
 * live socket, a stale one replaced after kill -9, the socket removed on exit.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type BalancerLab, canUseNetns, createBalancerLab, LAB } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { programArgv } from '../programs.js';
import {
  type RunningProgram,
  startNameServer,
  startProgram,
  tally,
  traceFrom,
} from '../test-support/daemon.js';
import { requestOnce } from './ctl-client.js';

const rules = (line: readonly number[]): string =>
  [
    '# svc|vip|port|node|ip',
    ...line.map((n) => `line|${LAB.vip}|7000|s${n}|${LAB.server(n)}`),
    '',
  ].join('\n');

const FLAGS = ['--interval', '200ms', '--timeout', '500ms', '--fall', '2', '--rise', '2'];

describe.skipIf(!canUseNetns())('nft-lb ctl against the daemon in a network namespace lab', () => {
  let built: BalancerLab;
  let dir: string;
  let file: string;
  let socket: string;
  let daemon: RunningProgram | undefined;
  const servers = new Map<string, ChildProcess>();

  /** `nft-lb ctl ARGS` in the balancer's namespace (the default socket is per namespace). */
  const ctl = (...args: string[]) =>
    built.lab.try('lb', [...programArgv('nft-lb'), 'ctl', ...args]);
  const lineTally = async (n = 15) =>
    tally(await traceFrom(built.lab, 'client', LAB.vip, 'tcp:7000', n));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lbkx-ctl-'));
    file = join(dir, 'nft_lb_rules');
    writeFileSync(file, rules([1, 2, 3]));
    built = await createBalancerLab('lbkc', 3);
    for (const name of built.servers) servers.set(name, await startNameServer(built.lab, name));
    daemon = startProgram(built.lab, 'lb', 'nft-lb', ['--rules', file, ...FLAGS]);
    const line = await daemon.waitForLine(/control socket (\S+) \(nft-lb ctl\)/);
    socket = /control socket (\S+) /.exec(line)![1]!;
    await daemon.waitForLine(/every destination has had its first verdict/);
    await built.lab.exec('lb', ['sleep', '0.3']);
  });

  afterAll(async () => {
    await daemon?.stop();
    await built?.lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on the per-namespace default path: directory 0700, socket 0600', () => {
    expect(socket).toBe(`/run/nft-lb/nft_lb.netns-${built.lab.ns('lb')}.sock`);
    expect(lstatSync(dirname(socket)).mode & 0o777).toBe(0o700);
    expect(lstatSync(socket).isSocket()).toBe(true);
    expect(lstatSync(socket).mode & 0o777).toBe(0o600);
  });

  it('ctl status lists the services and destinations, as text and as JSON', async () => {
    const text = await ctl('status');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^service line 192\.0\.2\.10:7000\/tcp rr: 3\/3 serving$/m);
    expect(text.stdout).toMatch(
      /^ {2}s1 198\.51\.100\.11:7000 weight 1: up, enabled, serving, last check ok/m,
    );
    const json = await ctl('--json', 'status');
    expect(json.code).toBe(0);
    const answer = JSON.parse(json.stdout);
    expect(answer.ok).toBe(true);
    expect(answer.result.services[0].destinations.map((d: { name: string }) => d.name)).toEqual([
      's1',
      's2',
      's3',
    ]);
  });

  it('ctl drain: a real new connection no longer reaches the drained server; enable brings it back', async () => {
    const drained = await ctl('drain', 'line/s1');
    expect(drained.stdout).toMatch(
      /line\/s1: drained \(no new flows, existing connections continue\); applied/,
    );
    expect(drained.code).toBe(0);
    expect(await lineTally(20)).toEqual({ s2: 10, s3: 10 });
    expect((await ctl('status')).stdout).toMatch(/^ {2}s1 .*: up, drained, not serving/m);
    // The socket itself (no CLI start-up): request to "applied" answer, kernel updated.
    const started = performance.now();
    const raw = await requestOnce(socket, {
      command: 'enable',
      service: 'line',
      destination: 's1',
    });
    const ms = performance.now() - started;
    expect(JSON.parse(raw.line!).result).toMatchObject({ admin: 'enabled', applied: true });
    console.log(`ctl enable over the socket, answered once applied: ${ms.toFixed(1)} ms`);
    expect(await lineTally()).toEqual({ s1: 5, s2: 5, s3: 5 });
    const enabled = await ctl('enable', 'line/s1');
    expect(enabled.code).toBe(0);
  });

  it('ctl drain --until MS: drained at once, removed (disabled) when idle or at the time', async () => {
    const started = performance.now();
    const drained = await ctl('drain', 'line/s2', '--until', '1500');
    expect(drained.code).toBe(0);
    expect(drained.stdout).toMatch(
      /line\/s2: drained .*; removed after 1500 ms, or sooner once idle; applied/,
    );
    expect(await lineTally(20)).toEqual({ s1: 10, s3: 10 });
    let status = '';
    for (let i = 0; i < 50 && !/^ {2}s2 .*disabled/m.test(status); i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await ctl('status')).stdout;
    }
    expect(status).toMatch(/^ {2}s2 .*: up, disabled, not serving/m);
    console.log(
      `ctl drain --until 1500: s2 removed after ${(performance.now() - started).toFixed(0)} ms`,
    );
    expect((await ctl('enable', 'line/s2')).code).toBe(0);
    expect(await lineTally()).toEqual({ s1: 5, s2: 5, s3: 5 });
  });

  it('unknown names and bad commands are refused (exit 1 / 2) and change nothing', async () => {
    const before = JSON.parse((await ctl('--json', 'status')).stdout).result;
    const unknownDest = await ctl('drain', 'line/s9');
    expect(unknownDest.code).toBe(1);
    expect(unknownDest.stderr).toMatch(
      /service "line" has no destination "s9"; nothing was changed/,
    );
    const unknownService = await ctl('disable', 'mail/s1');
    expect(unknownService.code).toBe(1);
    expect(unknownService.stderr).toMatch(/no service "mail"/);
    const usage = await ctl('drain', 'line/s1;flush');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/Usage: nft-lb ctl/);
    expect((await ctl('stop')).code).toBe(2);
    const after = JSON.parse((await ctl('--json', 'status')).stdout).result;
    const states = (s: typeof before) =>
      s.services[0].destinations.map((d: { admin: string; serving: boolean }) => [
        d.admin,
        d.serving,
      ]);
    expect(states(after)).toEqual(states(before));
    expect(await lineTally()).toEqual({ s1: 5, s2: 5, s3: 5 });
  });

  it('is root only: another user gets EACCES', async () => {
    const script = `require('node:net').connect(process.argv[1]).on('connect', () => console.log('connected')).on('error', (e) => console.log(e.code))`;
    const asNobody = await built.lab.try('lb', [
      'setpriv',
      '--reuid',
      'nobody',
      '--regid',
      'nogroup',
      '--clear-groups',
      process.execPath,
      '-e',
      script,
      socket,
    ]);
    expect(asNobody.stdout.trim()).toBe('EACCES');
  });

  it('ctl reload applies an edited file, and reports a broken one with its file:line while balancing on', async () => {
    writeFileSync(file, rules([1, 2]));
    const applied = await ctl('reload');
    expect(applied.stdout).toMatch(/^reloaded: updated line; applied$/m);
    expect(applied.code).toBe(0);
    expect(await lineTally(20)).toEqual({ s1: 10, s2: 10 });
    writeFileSync(file, `${rules([1, 2])}x; flush ruleset|${LAB.vip}|1|n|${LAB.server(3)}\n`);
    const broken = await ctl('reload');
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(new RegExp(`${file}:4: .*"x; flush ruleset"`));
    expect(broken.stderr).toMatch(/not applied; the running configuration is kept/);
    await daemon!.waitForLine(/ctl reload: reading/);
    expect(daemon!.child.exitCode).toBeNull();
    expect(await lineTally(20)).toEqual({ s1: 10, s2: 10 });
    writeFileSync(file, rules([1, 2, 3]));
  });

  it('a second daemon on the same socket (another namespace) is refused and changes nothing', async () => {
    const second = startProgram(built.lab, 'client', 'nft-lb', [
      '--rules',
      file,
      ...FLAGS,
      '--socket',
      socket,
    ]);
    await second.waitForLine(/another process answers on it.*nothing was changed/);
    expect(await second.stop()).toBe(1);
    expect((await built.lab.exec('client', ['nft', 'list', 'tables'])).stdout).not.toContain(
      'nft_lb',
    );
    expect((await ctl('status')).code).toBe(0);
  });

  it('a stale socket (daemon killed -9) is replaced by the next daemon; SIGTERM removes it', async () => {
    await built.lab.kill(daemon!.child, 'SIGKILL');
    expect(lstatSync(socket).isSocket()).toBe(true);
    expect((await ctl('status')).stderr).toMatch(/nobody answers \(a stale socket/);
    daemon = startProgram(built.lab, 'lb', 'nft-lb', ['--rules', file, ...FLAGS]);
    await daemon.waitForLine(/control socket .* \(nft-lb ctl\)/);
    await daemon.waitForLine(/every destination has had its first verdict/);
    expect((await ctl('status')).code).toBe(0);
    expect(await daemon.stop('SIGTERM')).toBe(0);
    expect(existsSync(socket)).toBe(false);
    daemon = undefined;
  });
});
