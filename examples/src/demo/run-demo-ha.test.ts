/**
 * `npm run demo -- --ha` for real: the master node of the pair is lost, the
 * other takes the VIP in well under a second, no new connection fails
 * outside the failover, and every namespace is gone afterwards.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { canUseNetns } from '@lbkit/core/testing';
import { describe, expect, it } from 'vitest';
import { runHaDemo } from './run-demo-ha.js';

const ours = (): string[] =>
  execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.startsWith(`lbkx${process.pid}-`));

const keepalived = existsSync('/usr/sbin/keepalived');
if (!keepalived && process.env['CI'] === 'true') throw new Error('keepalived is required under CI');

describe.skipIf(!canUseNetns() || !keepalived)('npm run demo -- --ha (scenario)', () => {
  it('the master lost: the VIP moves in under a second, no failure outside the failover', async () => {
    const lines: string[] = [];
    const summary = await runHaDemo({ durationS: 8, prefix: 'lbkx' }, (l) => lines.push(l));
    expect(summary.vipFailoverMs).toBeLessThan(1000);
    expect(summary.clientBackMs).toBeLessThan(1500);
    expect(summary.failedOutside).toBe(0);
    // Established connections through the lost node survive (conntrackd).
    expect(summary.established).toEqual({ connections: 20, broken: 0, stalled: 0 });
    for (const protocol of ['tcp', 'dns', 'http']) {
      expect(summary.requests[protocol]?.ok ?? 0).toBeGreaterThan(20);
    }
    const text = lines.join('\n');
    expect(text).toMatch(/b1: VRRP backup -> master/);
    expect(text).toMatch(/b1, the master, is lost/);
    expect(text).toMatch(/b2: VRRP backup -> master/);
    expect(ours()).toEqual([]);
  }, 120_000);
});
