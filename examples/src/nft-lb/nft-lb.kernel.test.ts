/**
 * nft-lb for real: the daemon in the balancer's namespace of the standard lab,
 * the vendor's outer `mark != 333444555 drop` rule in place, a client asking
 * the VIP. Covers failover, SIGHUP (only the difference, no dropped traffic),
 * a broken file on SIGHUP, clean exit, and a restart that takes the kept table
 * over with no gap.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BalancerLab,
  canUseNetns,
  createBalancerLab,
  LAB,
  parseExposition,
} from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RunningProgram,
  startNameServer,
  startProgram,
  tally,
  traceFrom,
  traceLoop,
} from '../test-support/daemon.js';

const rules = (line: readonly number[], web: readonly number[]): string =>
  [
    '# svc|vip|port|node|ip',
    ...line.map((n) => `line|${LAB.vip}|7000|s${n}|${LAB.server(n)}`),
    ...web.map((n) => `web|${LAB.vip}|80|s${n}|${LAB.server(n)}`),
    '',
  ].join('\n');

describe.skipIf(!canUseNetns())('nft-lb in a network namespace lab', () => {
  let built: BalancerLab;
  let dir: string;
  let file: string;
  const servers = new Map<string, ChildProcess>();
  let daemon: RunningProgram | undefined;
  const flags = ['--interval', '200ms', '--timeout', '500ms', '--fall', '2', '--rise', '2'];

  const startServer = async (name: string) => {
    servers.set(name, await startNameServer(built.lab, name));
  };
  const tables = async () => (await built.lab.exec('lb', ['nft', 'list', 'tables'])).stdout;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lbkx-nftlb-'));
    file = join(dir, 'nft_lb_rules');
    writeFileSync(file, rules([1, 2, 3], [1, 2]));
    built = await createBalancerLab('lbkx', 3);
    await Promise.all(built.servers.map(startServer));
    // The vendor's outer rule: forwarded traffic from the client side must carry the mark.
    await built.lab.exec(
      'lb',
      ['nft', '-f', '-'],
      'table inet fw {\n chain outer_forward {\n  type filter hook forward priority 0; policy accept;\n' +
        '  iifname "eth0" mark != 333444555 drop\n }\n}\n',
    );
  });

  afterAll(async () => {
    await daemon?.stop();
    await built?.lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('balances every service of the rules file through the vendor’s mark rule', async () => {
    daemon = startProgram(built.lab, 'lb', 'nft-lb', [
      '--rules',
      file,
      ...flags,
      '--metrics',
      '127.0.0.1:9333',
    ]);
    await daemon.waitForLine(/balancing 2 service\(s\), 5 destination\(s\)/);
    await daemon.waitForLine(/every destination has had its first verdict/);
    await built.lab.exec('lb', ['sleep', '0.3']);
    const line = tally(await traceFrom(built.lab, 'client', LAB.vip, 'tcp:7000', 30));
    expect(line).toEqual({ s1: 10, s2: 10, s3: 10 });
    const web = tally(await traceFrom(built.lab, 'client', LAB.vip, 'http:80', 20));
    expect(web).toEqual({ s1: 10, s2: 10 });
  });

  it('removes a server killed with kill -9 within the fall window, one log line per change', async () => {
    const from = daemon!.lines.length;
    const killedAt = Date.now();
    await built.lab.kill(servers.get('s3')!, 'SIGKILL');
    const line = await daemon!.waitForLine(
      /service line: destination s3 \(198\.51\.100\.13:7000\) up -> down/,
      5000,
      from,
    );
    const noticedMs = Date.now() - killedAt;
    expect(line).toMatch(/2 consecutive failures/);
    expect(noticedMs).toBeLessThan(2000);
    await daemon!.waitForLine(/kernel updated .*: line$/, 3000, from);
    const after = tally(await traceFrom(built.lab, 'client', LAB.vip, 'tcp:7000', 20));
    expect(after).toEqual({ s1: 10, s2: 10 });
    await startServer('s3');
    await daemon!.waitForLine(/destination s3 .* down -> up/, 5000, from);
  });

  it('serves Prometheus metrics: health, serving, probe counts, apply stats, kernel counters', async () => {
    const get =
      "fetch('http://127.0.0.1:9333/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))";
    const text = (await built.lab.exec('lb', ['node', '-e', get])).stdout;
    // The whole scrape is valid exposition text (the library's strict test reader).
    const families = parseExposition(text);
    const value = (metric: string, labels: Record<string, string>): number | undefined =>
      families
        .get(metric)
        ?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    const s1 = { service: 'line', destination: 's1' };
    expect(families.get('lbkit_destination_health')?.type).toBe('gauge');
    expect(value('lbkit_destination_health', { ...s1, state: 'up' })).toBe(1);
    expect(value('lbkit_destination_admin', { ...s1, state: 'enabled' })).toBe(1);
    expect(value('lbkit_destination_kernel_serving', s1)).toBe(1);
    expect(value('lbkit_destination_last_check_duration_seconds', s1)).toBeGreaterThan(0);
    expect(value('lbkit_destination_info', { ...s1, address: LAB.server(1), port: '7000' })).toBe(
      1,
    );
    // s3 was killed and came back: its failed checks were counted.
    expect(
      value('lbkit_destination_checks_total', {
        service: 'line',
        destination: 's3',
        result: 'failed',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      value('lbkit_check_duration_seconds', { service: 'line', le: '+Inf' }),
    ).toBeGreaterThanOrEqual(10);
    expect(value('lbkit_applies_total', { result: 'changed' })).toBeGreaterThanOrEqual(1);
    expect(value('lbkit_service_empty', { service: 'web' })).toBe(0);
    expect(value('lbkit_kernel_read_ok', {})).toBe(1);
    // 30 + 20 traced connections went through the kernel: its counters show them.
    expect(value('lbkit_destination_packets_total', s1)).toBeGreaterThanOrEqual(10);
    expect(
      value('lbkit_destination_packets_total', { service: 'web', destination: 's1' }),
    ).toBeGreaterThanOrEqual(10);
  });

  it('SIGHUP applies only the difference and drops no traffic', async () => {
    const loop = traceLoop(built.lab, 'client', LAB.vip, 'http:80');
    await loop.started();
    const from = daemon!.lines.length;
    writeFileSync(file, rules([2, 3], [1, 2]));
    daemon!.child.kill('SIGHUP');
    await daemon!.waitForLine(/configuration changed: updated line$/, 5000, from);
    await daemon!.waitForLine(/kernel updated .*: line$/, 5000, from);
    await built.lab.exec('lb', ['sleep', '0.5']);
    const during = await loop.stop();
    expect(during.length).toBeGreaterThan(20);
    expect(during.filter((r) => !r.ok)).toEqual([]);
    expect(daemon!.lines.slice(from).filter((l) => /kernel updated.*web/.test(l))).toEqual([]);
    const line = tally(await traceFrom(built.lab, 'client', LAB.vip, 'tcp:7000', 20));
    expect(line).toEqual({ s2: 10, s3: 10 });
  });

  it('SIGHUP with a broken file reports it and keeps the running configuration', async () => {
    const from = daemon!.lines.length;
    writeFileSync(
      file,
      `${rules([2, 3], [1, 2])}x; delete table inet fw|${LAB.vip}|1|n|${LAB.server(1)}\n`,
    );
    daemon!.child.kill('SIGHUP');
    await daemon!.waitForLine(/nft_lb_rules:6: .*"x; delete table inet fw"/, 5000, from);
    await daemon!.waitForLine(/keeping the running configuration/, 5000, from);
    expect(await tables()).toContain('table inet fw');
    const line = tally(await traceFrom(built.lab, 'client', LAB.vip, 'tcp:7000', 10));
    expect(line).toEqual({ s2: 5, s3: 5 });
  });

  it('SIGTERM exits cleanly and removes the table', async () => {
    expect(await daemon!.stop('SIGTERM')).toBe(0);
    expect(await tables()).not.toContain('nft_lb');
    expect(await tables()).toContain('table inet fw');
  });

  it('with --keep-on-exit a restart takes the table over with no gap', async () => {
    writeFileSync(file, rules([1, 2, 3], [1, 2]));
    const args = ['--rules', file, ...flags, '--keep-on-exit'];
    daemon = startProgram(built.lab, 'lb', 'nft-lb', args);
    await daemon.waitForLine(/every destination has had its first verdict/);
    await built.lab.exec('lb', ['sleep', '0.3']);
    const loop = traceLoop(built.lab, 'client', LAB.vip, 'tcp:7000');
    await loop.started();
    expect(await daemon.stop('SIGTERM')).toBe(0);
    expect(await tables()).toContain('table inet nft_lb');
    const stoppedAt = Date.now();
    daemon = startProgram(built.lab, 'lb', 'nft-lb', args);
    await daemon.waitForLine(/taking over the table of the previous run/);
    await daemon.waitForLine(/took over the previous table/);
    await built.lab.exec('lb', ['sleep', '0.3']);
    const results = await loop.stop();
    const gap = results.filter((r) => r.at > stoppedAt);
    expect(gap.length).toBeGreaterThan(20);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(new Set(gap.map((r) => r.server))).toEqual(new Set(['s1', 's2', 's3']));
  });
});
