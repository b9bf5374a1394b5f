/**
 * The demo for real (plain output): the balancer removes a server killed with
 * kill -9 in well under a second, the client keeps being answered, the server
 * comes back, and every namespace is gone afterwards, also when aborted.
 */
import { execFileSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { canUseNetns } from '@lbkit/core/testing';
import { describe, expect, it } from 'vitest';
import { runDemo } from './run-demo.js';
import { plainScreen } from './screen.js';

const ours = (): string[] =>
  execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.startsWith(`lbkx${process.pid}-`));

describe.skipIf(!canUseNetns())('npm run demo (scenario)', () => {
  it('fails over in well under a second with no failures outside the failover', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk) => {
      text += String(chunk);
    });
    const { summary } = await runDemo({ durationS: 8, prefix: 'lbkx' }, plainScreen(out, 1000));
    expect(summary.victim).toBe('s2');
    expect(Object.keys(summary.failoverMs).sort()).toEqual(['dns', 'http', 'line']);
    for (const ms of Object.values(summary.failoverMs)) expect(ms).toBeLessThan(1000);
    for (const ms of Object.values(summary.recoveryMs)) expect(ms).toBeLessThan(3000);
    expect(summary.failedOutside).toBe(0);
    expect(summary.answeredWhileDead).toBe(0);
    // The kill comes only once the client has heard from every server.
    for (const service of ['line', 'dns', 'http']) {
      expect(summary.answeredBeforeKill[service]).toEqual(['s1', 's2', 's3']);
    }
    // The scenario keeps its length (setup is counted apart).
    expect(summary.scenarioMs).toBeGreaterThanOrEqual(8000);
    expect(summary.scenarioMs).toBeLessThan(9500);
    expect(summary.emulatedCpu).toBe(false);
    for (const protocol of ['tcp', 'dns', 'http']) {
      expect(summary.requests[protocol]?.ok ?? 0).toBeGreaterThan(20);
    }
    expect(text).toMatch(/kill -9 s2 \(pid \d+\)/);
    expect(text).toMatch(/line: s2 up -> down/);
    expect(text).toMatch(/line: s2 down -> up/);
    expect(ours()).toEqual([]);
  }, 90_000);

  it('cleans every namespace up when aborted', async () => {
    const abort = new AbortController();
    const out = new PassThrough();
    out.resume();
    setTimeout(() => abort.abort(), 4000);
    await expect(
      runDemo({ durationS: 30, prefix: 'lbkx', signal: abort.signal }, plainScreen(out)),
    ).rejects.toThrow(/aborted/);
    expect(ours()).toEqual([]);
  }, 60_000);
});
