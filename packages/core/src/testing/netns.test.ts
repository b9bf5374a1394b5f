import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BalancerLab, canUseNetns, createBalancerLab, LAB } from './netns.js';

describe.skipIf(!canUseNetns())('netns lab (needs root)', () => {
  let lab: BalancerLab;
  beforeAll(async () => {
    lab = await createBalancerLab('lbkc');
  });
  afterAll(async () => {
    await lab?.lab.destroy();
  });

  it('routes client -> lb -> each server and back', async () => {
    for (const [i] of lab.servers.entries()) {
      const ping = await lab.lab.try('client', ['ping', '-c1', '-W2', LAB.server(i + 1)]);
      expect(ping.code, ping.stdout + ping.stderr).toBe(0);
    }
    const v6 = await lab.lab.try('client', ['ping', '-6', '-c1', '-W2', LAB.server6(2)]);
    expect(v6.code, v6.stdout + v6.stderr).toBe(0);
  });

  it('destroy removes every namespace', async () => {
    const names = lab.servers.map((r) => lab.lab.ns(r));
    await lab.lab.destroy();
    const { execFileSync } = await import('node:child_process');
    const list = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    for (const n of names) expect(list).not.toContain(n);
  });
});
