/**
 * IPVS sees only packets addressed to a local address. In the kernel VM:
 * with the VIP merely routed to the balancer (the client's default route
 * points at it, no address on it), the backend applies, the balancer emits
 * the "not a local address" warning, and no request is balanced; the same
 * VIP merely routed with `holdVips` (the backend puts it on a dummy link it
 * owns) is balanced, without a warning, and leaves with its service and the
 * link with `close()`; with the VIP on the balancer's interface there is no
 * warning and traffic alternates.
 */

import {
  type ApplyReport,
  type Backend,
  createBalancer,
  type DesiredService,
  type Service,
} from '@lbkit/core';
import { type BalancerLab, createBalancerLab, LAB } from '@lbkit/core/testing';
import { enterNetworkNamespace } from '@lbkit/netlink';
import { createProbe } from '@lbkit/probes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipvsadmList } from '../testing/ipvsadm.js';
import {
  FAST_HEALTH,
  fetchFrom,
  startHttpd,
  until,
  vmSkipReason,
  waitServing,
} from '../testing/vm.js';
import { createIpvsBackend } from './ipvs-backend.js';
import { notLocalWarning } from './local-vips.js';
import { createMemoryOwnershipStore } from './ownership.js';

const skip = vmSkipReason(['busybox']);
const URL = `http://${LAB.vip}/`;

const web: DesiredService = {
  name: 'web',
  key: { vip: LAB.vip, port: 80, protocol: 'tcp' },
  scheduler: 'rr',
  whenEmpty: 'reject',
  persistence: 0,
  destinations: [1, 2].map((i) => ({
    name: `s${i}`,
    address: LAB.server(i),
    port: 80,
    weight: 1,
  })),
};

describe.skipIf(skip)(`IPVS: the VIP must be local${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let env: BalancerLab;

  beforeAll(async () => {
    env = await createBalancerLab('lbkl', 2);
    for (const [i, role] of env.servers.entries())
      startHttpd(env.lab, role, LAB.server(i + 1), role);
    for (const i of env.servers.keys()) {
      await waitServing(env.lab, 'lb', `http://${LAB.server(i + 1)}/`);
    }
    // The lab puts the VIPs on the balancer's lo; here the VIP is only routed to it.
    await env.lab.exec('lb', ['ip', 'addr', 'del', `${LAB.vip}/32`, 'dev', 'lo']);
  });
  afterAll(async () => {
    await env?.lab.destroy();
  });

  it('VIP merely routed to the balancer: the warning event, and nothing balanced', async () => {
    const restore = (await enterNetworkNamespace(env.lab.ns('lb')))._unsafeUnwrap();
    const service: Service = {
      ...web,
      probe: { kind: 'tcp' },
      health: FAST_HEALTH,
      downAction: 'remove',
    };
    const balancer = createBalancer({
      services: [service],
      backend: createIpvsBackend({ ownership: createMemoryOwnershipStore() }),
      probes: createProbe,
    });
    const warnings: string[] = [];
    balancer.on('warning', (e) => warnings.push(e.message));
    try {
      expect((await balancer.start()).isOk()).toBe(true);
      expect(warnings).toEqual([notLocalWarning(LAB.vip, ['web'])]);
      expect(await until(() => balancer.status()[0]!.destinations.every((d) => d.serving))).toBe(
        true,
      );
      await balancer.settled();
      // The virtual service and both servers are there: IPVS simply never sees the packets.
      const listed = await ipvsadmList(env.lab.ns('lb'));
      expect(listed.services[0]?.destinations.map((d) => d.address).sort()).toEqual([
        LAB.server(1),
        LAB.server(2),
      ]);
      const seen = await fetchFrom(env.lab, 'client', URL, 2);
      expect(seen.every((s) => s.startsWith('error:'))).toBe(true);
      // Said once: later applies (health changes) repeat nothing.
      expect(warnings).toHaveLength(1);
    } finally {
      await balancer.stop();
      restore();
    }
  });

  it('holdVips: the same VIP merely routed is held on a dummy, balanced, and removed with its service', async () => {
    const lb = env.lab.ns('lb');
    const HOLD = 'lbkit-vips0';
    const flipped: DesiredService = { ...web, destinations: web.destinations.slice(0, 1) };
    /** First apply and a flip of a fresh backend, each report's durationMs (the cost measured). */
    const firstAndFlip = async (b: Backend): Promise<[ApplyReport, ApplyReport]> => {
      const first = (await b.apply({ services: [web] }))._unsafeUnwrap();
      const flip = (await b.apply({ services: [flipped] }))._unsafeUnwrap();
      (await b.apply({ services: [web] }))._unsafeUnwrap();
      return [first, flip];
    };
    const times: Record<'without' | 'with', { first: number[]; flip: number[] }> = {
      without: { first: [], flip: [] },
      with: { first: [], flip: [] },
    };
    for (let round = 0; round < 3; round++) {
      const plain = createIpvsBackend({ netns: lb, ownership: createMemoryOwnershipStore() });
      const [first, flip] = await firstAndFlip(plain);
      expect(first.warnings).toEqual([notLocalWarning(LAB.vip, ['web'])]);
      times.without.first.push(first.durationMs);
      times.without.flip.push(flip.durationMs);
      (await plain.close())._unsafeUnwrap();
      const holding = createIpvsBackend({
        netns: lb,
        ownership: createMemoryOwnershipStore(),
        holdVips: { interface: HOLD },
      });
      const [hFirst, hFlip] = await firstAndFlip(holding);
      expect(hFirst.warnings).toBeUndefined();
      expect(hFlip.operations).toBe(1);
      times.with.first.push(hFirst.durationMs);
      times.with.flip.push(hFlip.durationMs);
      (await holding.close())._unsafeUnwrap();
    }
    const ms = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(', ');
    console.log(
      `holdVips cost (ms, VM): first apply without ${ms(times.without.first)} | with ${ms(times.with.first)}; ` +
        `flip without ${ms(times.without.flip)} | with ${ms(times.with.flip)}`,
    );

    const b = createIpvsBackend({
      netns: lb,
      ownership: createMemoryOwnershipStore(),
      holdVips: { interface: HOLD },
    });
    try {
      const report = (await b.apply({ services: [web] }))._unsafeUnwrap();
      expect(report.warnings).toBeUndefined();
      // Read back with ip: a dummy, down, holding the VIP as a local /32.
      const link = await env.lab.exec('lb', ['ip', '-d', 'link', 'show', HOLD]);
      expect(link.stdout).toMatch(/state DOWN[\s\S]*\n\s+dummy /);
      const held = await env.lab.exec('lb', ['ip', 'address', 'show', 'dev', HOLD]);
      expect(held.stdout).toContain(`inet ${LAB.vip}/32 scope global ${HOLD}`);
      // Real traffic from the client namespace, answered by both servers in turn.
      const seen = await fetchFrom(env.lab, 'client', URL, 6);
      const perServer: Record<string, number> = {};
      for (const s of seen) perServer[s] = (perServer[s] ?? 0) + 1;
      expect(perServer).toEqual({ s1: 3, s2: 3 });
      // The service goes: its VIP comes off the link, the link stays.
      (await b.apply({ services: [] }))._unsafeUnwrap();
      const after = await env.lab.exec('lb', ['ip', 'address', 'show', 'dev', HOLD]);
      expect(after.stdout).not.toContain(LAB.vip);
      expect((await fetchFrom(env.lab, 'client', URL, 1))[0]).toMatch(/^error:/);
    } finally {
      (await b.close({ keep: false }))._unsafeUnwrap();
    }
    expect((await env.lab.try('lb', ['ip', 'link', 'show', HOLD])).code).not.toBe(0);
  });

  it("VIP on the balancer's interface: no warning, traffic balanced", async () => {
    await env.lab.exec('lb', ['ip', 'addr', 'add', `${LAB.vip}/32`, 'dev', 'eth0']);
    const b = createIpvsBackend({
      netns: env.lab.ns('lb'),
      ownership: createMemoryOwnershipStore(),
    });
    try {
      const report = (await b.apply({ services: [web] }))._unsafeUnwrap();
      expect(report.warnings).toBeUndefined();
      const seen = await fetchFrom(env.lab, 'client', URL, 4);
      expect(new Set(seen.slice(0, 2))).toEqual(new Set(['s1', 's2']));
      expect(seen.slice(2)).toEqual(seen.slice(0, 2));
    } finally {
      await b.close();
    }
  });
});
