/**
 * The embed example for real: it runs in the balancer's namespace of the
 * standard lab, logs events, and its admin API drains and re-enables a
 * destination from code while a client asks the VIP.
 */
import type { ChildProcess } from 'node:child_process';
import { type BalancerLab, canUseNetns, createBalancerLab, LAB } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onLines, waitFor } from '../common/lines.js';
import { programArgv } from '../programs.js';
import { type RunningProgram, startProgram, tally, traceFrom } from '../test-support/daemon.js';

describe.skipIf(!canUseNetns())('embed: lbkit in an existing Node service', () => {
  let built: BalancerLab;
  let embed: RunningProgram;
  const servers: ChildProcess[] = [];

  const admin = async (path: string): Promise<string> => {
    const script = `fetch('http://127.0.0.1:8080${path}').then((r) => r.text()).then((t) => process.stdout.write(t))`;
    return (await built.lab.exec('lb', [process.execPath, '-e', script])).stdout;
  };

  beforeAll(async () => {
    built = await createBalancerLab('lbkx', 2);
    for (const name of built.servers) {
      const child = built.lab.spawn(name, [...programArgv('name-server'), '--name', name]);
      let ready = false;
      onLines(child.stdout, (line) => {
        if (line.startsWith('ready')) ready = true;
      });
      servers.push(child);
      await waitFor(() => ready, 15_000, `name server ${name}`);
    }
    embed = startProgram(built.lab, 'lb', 'embed', []);
    await embed.waitForLine(/admin API on http:\/\/127\.0\.0\.1:8080/);
    await embed.waitForLine(/s2: unknown -> up/);
    await embed.waitForLine(/s1: unknown -> up/);
    await built.lab.exec('lb', ['sleep', '0.3']);
  });

  afterAll(async () => {
    await embed?.stop();
    await built?.lab.destroy();
  });

  it('balances and logs the balancer’s events', async () => {
    expect(embed.lines.some((l) => /^kernel updated: web$/.test(l))).toBe(true);
    const answers = tally(await traceFrom(built.lab, 'client', LAB.vip, 'http:80', 10));
    expect(answers).toEqual({ s1: 5, s2: 5 });
  });

  it('drains a destination from code, and enables it again', async () => {
    expect(await admin('/drain/s2')).toBe('drain s2: ok\n');
    await built.lab.exec('lb', ['sleep', '0.3']);
    expect(tally(await traceFrom(built.lab, 'client', LAB.vip, 'http:80', 10))).toEqual({ s1: 10 });
    const status = JSON.parse(await admin('/')) as {
      destinations: { name: string; admin: string }[];
    }[];
    expect(status[0]?.destinations.find((d) => d.name === 's2')?.admin).toBe('drained');
    expect(await admin('/enable/s2')).toBe('enable s2: ok\n');
    await built.lab.exec('lb', ['sleep', '0.3']);
    expect(tally(await traceFrom(built.lab, 'client', LAB.vip, 'http:80', 10))).toEqual({
      s1: 5,
      s2: 5,
    });
    expect(await admin('/drain/nope')).toMatch(/nope/);
  });
});
