/**
 * Rolling maintenance on the kernel: `drain(…, { until })` with long-lived
 * TCP connections through the nftables backend. New connections go
 * elsewhere at once, the held ones keep working, and the destination leaves
 * the desired state (and its counter the table) only when conntrack says its
 * last flow is over — or at the deadline.
 */
import { type Balancer, createBalancer, DEFAULT_HEALTH, type Service } from '@lbkit/core';
import { createScriptedProbes, LAB } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNftablesBackend } from '../backend/backend.js';
import type { NftablesBackend } from '../backend/backend-types.js';
import { type HeldClient, startHeldClient } from './held-client.js';
import { kernelSkip } from './kernel-env.js';
import { createTrafficLab, type TrafficLab } from './traffic-lab.js';

const skip = kernelSkip(['nft']);

const web: Service = {
  name: 'web',
  key: { vip: LAB.vip, port: 80, protocol: 'tcp' },
  scheduler: 'rr',
  destinations: [
    { name: 's1', address: LAB.server(1), port: 80, weight: 1 },
    { name: 's2', address: LAB.server(2), port: 80, weight: 1 },
  ],
  probe: { kind: 'none' },
  health: { ...DEFAULT_HEALTH, jitter: 0, initial: 'up' },
  whenEmpty: 'reject',
  downAction: 'remove',
  persistence: 0,
};

/** Destinations of `web` in the desired state the balancer last applied, by name. */
const appliedNames = (desired: ReturnType<Balancer['desired']>) =>
  desired.services[0]?.destinations.map((d) => `${d.name}:${d.weight}`) ?? [];

/** Resolves at the first `applied` event whose state lacks `name`, with its epoch ms. */
const whenRemoved = (balancer: Balancer, name: string) =>
  new Promise<number>((resolve) => {
    const off = balancer.on('applied', ({ desired }) => {
      if (desired.services[0]?.destinations.some((d) => d.name === name)) return;
      off();
      resolve(Date.now());
    });
  });

describe.skipIf(skip)(`drain until idle on nftables${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: TrafficLab;
  let backend: NftablesBackend;
  let balancer: Balancer;
  let client: HeldClient;
  const events: string[] = [];

  beforeAll(async () => {
    lab = await createTrafficLab('lbdr', 2);
    await lab.startNameServers([80]);
    backend = createNftablesBackend({ netns: lab.lbNs, driftCheckInterval: 0 })._unsafeUnwrap();
    balancer = createBalancer({ services: [web], backend, probes: createScriptedProbes().factory });
    balancer.on('drainProgress', (e) => events.push(`progress ${e.destination} ${e.flows}`));
    balancer.on('drained', (e) => events.push(`drained ${e.destination} ${e.reason} ${e.flows}`));
    (await balancer.start())._unsafeUnwrap();
    await balancer.settled();
    client = startHeldClient(lab.lab, LAB.vip, 80);
  });
  afterAll(async () => {
    await client?.stop();
    await balancer?.stop();
    await lab?.destroy();
  });

  it('idle: new flows elsewhere at once, held ones keep working, removal at the last close', async () => {
    const held = await client.open(6);
    const onS1 = held.filter((e) => e.name === 's1').map((e) => e.id!);
    expect(onS1).toHaveLength(3); // rr: 3 and 3
    const counted = await backend.countFlows([
      { service: web.key, address: LAB.server(1), port: 80 },
      { service: web.key, address: LAB.server(2), port: 80 },
    ]);
    expect(counted._unsafeUnwrap()).toEqual([3, 3]);

    expect(balancer.drain('web', 's1', { until: 'idle', pollInterval: 100 }).isOk()).toBe(true);
    await balancer.settled();
    const fresh = await client.open(4);
    expect(fresh.map((e) => e.name)).toEqual(['s2', 's2', 's2', 's2']);
    const answers = await client.ping();
    expect(Object.values(answers).filter((n) => n === 's1')).toHaveLength(3);
    expect(Object.values(answers).filter((n) => n === 's2')).toHaveLength(7);

    await client.close(onS1[0]!);
    await client.close(onS1[1]!);
    await new Promise((r) => setTimeout(r, 500));
    expect(appliedNames(balancer.desired())).toEqual(['s1:0', 's2:1']); // one flow left
    expect((await client.ping())[String(onS1[2])]).toBe('s1');

    const removed = whenRemoved(balancer, 's1');
    const lastClose = await client.close(onS1[2]!);
    const removedAt = await removed;
    const ms = removedAt - lastClose;
    console.log(`drain until idle: last close -> removal applied in ${ms} ms (poll 100 ms)`);
    expect(ms).toBeLessThan(1500);
    expect(appliedNames(balancer.desired())).toEqual(['s2:1']);
    expect(events).toContain('drained s1 idle 0');
    // Counts only go down, and 0 comes only after the last close (the first count may follow the first closes).
    expect(events.filter((e) => e.startsWith('progress s1')).slice(-2)).toEqual([
      'progress s1 1',
      'progress s1 0',
    ]);
    const still = await client.ping();
    expect(Object.values(still).every((n) => n === 's2')).toBe(true);
  });

  it('deadline: removed when the time is up, flows left counted', async () => {
    balancer.enable('web', 's1');
    await balancer.settled();
    const held = await client.open(2);
    const onS1 = held.find((e) => e.name === 's1');
    expect(onS1).toBeDefined();
    const started = Date.now();
    const removed = whenRemoved(balancer, 's1');
    balancer.drain('web', 's1', { until: 1500, pollInterval: 100 });
    const removedAt = await removed;
    const ms = removedAt - started;
    console.log(`drain until 1500 ms with 1 flow held: removal applied after ${ms} ms`);
    expect(ms).toBeGreaterThanOrEqual(1450);
    expect(ms).toBeLessThan(3000);
    expect(events.at(-1)).toBe('drained s1 deadline 1');
  });
});
