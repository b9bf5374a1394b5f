import type { DesiredDestination, DesiredService, DesiredState } from '@lbkit/core';
import { LAB } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNftablesBackend } from '../backend/backend.js';
import type { NftablesBackend } from '../backend/backend-types.js';
import { kernelSkip } from './kernel-env.js';
import { createTrafficLab, type HoldResult, type TrafficLab } from './traffic-lab.js';

const skip = kernelSkip(['nft', 'conntrack', 'dnsmasq']);

const dest = (i: number, port = 80, weight = 1): DesiredDestination => ({
  name: `s${i}`,
  address: LAB.server(i),
  port,
  weight,
});
const svc = (
  name: string,
  port: number,
  destinations: DesiredDestination[],
  extra: Partial<DesiredService> = {},
): DesiredService => ({
  name,
  key: { vip: LAB.vip, port, protocol: 'tcp' },
  scheduler: 'rr',
  whenEmpty: 'reject',
  persistence: 0,
  destinations,
  ...extra,
});
const state = (...services: DesiredService[]): DesiredState => ({
  services: services.sort((a, b) => a.name.localeCompare(b.name)),
});

describe.skipIf(skip)(
  `real traffic through the nftables backend${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let lab: TrafficLab;
    let backend: NftablesBackend;
    const apply = async (desired: DesiredState) => (await backend.apply(desired))._unsafeUnwrap();

    beforeAll(async () => {
      lab = await createTrafficLab('lbkn', 3);
      await lab.startNameServers([80, 8080, 9000]);
      backend = createNftablesBackend({ netns: lab.lbNs, driftCheckInterval: 0 })._unsafeUnwrap();
    });
    afterAll(async () => {
      await backend?.close();
      await lab?.destroy();
    });

    it('writes through netlink by default, with libnftables behind it', () => {
      expect(backend.transport).toBe('netlink+libnftables');
    });

    it('round robin: 300 connections -> exactly 100/100/100, with port translation', async () => {
      await apply(state(svc('web', 80, [dest(1), dest(2, 8080), dest(3, 9000)])));
      const result = await lab.client({
        mode: 'tcp',
        host: LAB.vip,
        port: 80,
        count: 300,
        concurrency: 4,
      });
      expect(result.failures).toBe(0);
      expect(result.counts).toEqual({ s1: 100, s2: 100, s3: 100 });
      const stats = (await backend.stats())._unsafeUnwrap().services.find((s) => s.name === 'web')!;
      expect(stats.packets).toBe(300);
      expect(stats.destinations.map((d) => d.packets)).toEqual([100, 100, 100]);
    });

    it('weighted round robin: weights 1:2:3 -> 100/200/300 of 600', async () => {
      await apply(
        state(
          svc('web', 80, [dest(1, 80, 1), dest(2, 80, 2), dest(3, 80, 3)], { scheduler: 'wrr' }),
        ),
      );
      const result = await lab.client({
        mode: 'tcp',
        host: LAB.vip,
        port: 80,
        count: 600,
        concurrency: 4,
      });
      expect(result.failures).toBe(0);
      expect(result.counts).toEqual({ s1: 100, s2: 200, s3: 300 });
    });

    it('source hash: each client address always reaches the same server', async () => {
      const sources = await lab.addClientSources(12);
      await apply(state(svc('web', 80, [dest(1), dest(2), dest(3)], { scheduler: 'sh' })));
      const result = await lab.client({ mode: 'tcp', host: LAB.vip, port: 80, count: 60, sources });
      expect(result.failures).toBe(0);
      for (const source of sources) {
        const servers = Object.entries(result.bySource[source] ?? {});
        expect(servers).toHaveLength(1);
        expect(servers[0]![1]).toBe(5);
      }
      expect(Object.keys(result.counts).length).toBeGreaterThan(1);
    });

    it('maglev: removing a server moves only its own clients', async () => {
      const sources = Array.from({ length: 12 }, (_, i) => `203.0.113.${3 + i}`);
      const where = async () => {
        const r = await lab.client({ mode: 'tcp', host: LAB.vip, port: 80, count: 12, sources });
        expect(r.failures).toBe(0);
        return new Map(sources.map((s) => [s, Object.keys(r.bySource[s] ?? {})[0]]));
      };
      await apply(state(svc('web', 80, [dest(1), dest(2), dest(3)], { scheduler: 'mh' })));
      const before = await where();
      expect(new Set(before.values()).size).toBe(3);
      await apply(state(svc('web', 80, [dest(1), dest(3)], { scheduler: 'mh' })));
      const after = await where();
      for (const source of sources) {
        if (before.get(source) !== 's2') expect(after.get(source)).toBe(before.get(source));
        else expect(after.get(source)).not.toBe('s2');
      }
    });

    it('DNS over UDP and TCP through the VIP reaches every dnsmasq in turn', async () => {
      await lab.startDnsmasq();
      const dns = (protocol: 'tcp' | 'udp') =>
        svc(`dns${protocol}`, 53, [dest(1, 53), dest(2, 53), dest(3, 53)], {
          key: { vip: LAB.vip, port: 53, protocol },
        });
      await apply(state(dns('udp'), dns('tcp')));
      for (const mode of ['dns-udp', 'dns-tcp'] as const) {
        const result = await lab.client({ mode, host: LAB.vip, port: 53, count: 30 });
        expect(result.failures).toBe(0);
        expect(result.counts).toEqual({
          'nameserver-1': 10,
          'nameserver-2': 10,
          'nameserver-3': 10,
        });
      }
    });

    it('UDP: flows of a removed destination move at once (conntrack entries deleted)', async () => {
      const udp = (dests: DesiredDestination[]) =>
        svc('echo', 9000, dests, { key: { vip: LAB.vip, port: 9000, protocol: 'udp' } });
      await apply(state(udp([dest(1, 9000), dest(2, 9000)])));
      const spec = { mode: 'udp' as const, host: LAB.vip, port: 9000, count: 3, sourcePort: 40000 };
      const first = await lab.client(spec);
      expect(Object.keys(first.counts)).toHaveLength(1);
      const pinned = Object.keys(first.counts)[0]!;
      const remaining = pinned === 's1' ? dest(2, 9000) : dest(1, 9000);
      const report = await apply(state(udp([remaining])));
      expect(report.conntrackDeleted).toBeGreaterThanOrEqual(1);
      const second = await lab.client(spec);
      expect(second.counts).toEqual({ [remaining.name]: 3 });
    });

    it('all destinations down: a fast TCP reset, not a timeout', async () => {
      await apply(state(svc('web', 80, [])));
      const result = await lab.client({
        mode: 'tcp',
        host: LAB.vip,
        port: 80,
        count: 5,
        timeoutMs: 3000,
      });
      expect(result.failures).toBe(5);
      expect(result.errors).toEqual({ ECONNREFUSED: 5 });
      expect(result.elapsedMs).toBeLessThan(500);
    });

    it('an established connection survives removal of another destination and drain of its own', async () => {
      await apply(state(svc('web', 80, [dest(1)])));
      const held = lab.client<HoldResult>({
        mode: 'hold',
        host: LAB.vip,
        port: 80,
        durationMs: 2500,
        intervalMs: 50,
      });
      await new Promise((r) => setTimeout(r, 400));
      await apply(state(svc('web', 80, [dest(1), dest(2)])));
      await new Promise((r) => setTimeout(r, 300));
      await apply(state(svc('web', 80, [dest(1)])));
      await new Promise((r) => setTimeout(r, 300));
      await apply(state(svc('web', 80, [dest(1, 80, 0)])));
      const fresh = await lab.client({ mode: 'tcp', host: LAB.vip, port: 80, count: 2 });
      expect(fresh.errors).toEqual({ ECONNREFUSED: 2 });
      const result = await held;
      expect(result).toMatchObject({ name: 's1', closedEarly: false, failures: 0 });
      expect(result.answered).toBeGreaterThan(30);
    });
  },
);
