/**
 * Real traffic through IPVS in the kernel VM: client -> lb (IPVS, NAT) -> servers,
 * each in its own namespace (createBalancerLab, prefix lbkv). Servers are
 * `busybox httpd` answering their own name; the client is `busybox wget`.
 */

import type { DesiredService, Service } from '@lbkit/core';
import { createBalancer } from '@lbkit/core';
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
import { createMemoryOwnershipStore } from './ownership.js';

const skip = vmSkipReason(['busybox']);
const URL = `http://${LAB.vip}/`;

const desired = (scheduler: 'rr' | 'wrr', weights: number[], port = 80): DesiredService => ({
  name: 'web',
  key: { vip: LAB.vip, port, protocol: 'tcp' },
  scheduler,
  whenEmpty: 'reject',
  persistence: 0,
  destinations: weights.map((weight, i) => ({
    name: `s${i + 1}`,
    address: LAB.server(i + 1),
    port,
    weight,
  })),
});

describe.skipIf(skip)(`IPVS with real traffic${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let env: BalancerLab;
  const servers = new Map<string, ReturnType<typeof startHttpd>>();

  beforeAll(async () => {
    env = await createBalancerLab('lbkv', 3);
    for (const [i, role] of env.servers.entries()) {
      servers.set(role, startHttpd(env.lab, role, LAB.server(i + 1), role));
    }
    for (const i of env.servers.keys()) {
      await waitServing(env.lab, 'lb', `http://${LAB.server(i + 1)}/`);
    }
  });
  afterAll(async () => {
    await env?.lab.destroy();
  });

  const backend = () =>
    createIpvsBackend({ netns: env.lab.ns('lb'), ownership: createMemoryOwnershipStore() });

  it('rr + NAT: strict alternation over three servers', async () => {
    const b = backend();
    try {
      expect((await b.apply({ services: [desired('rr', [1, 1, 1])] })).isOk()).toBe(true);
      const seen = await fetchFrom(env.lab, 'client', URL, 6);
      expect(new Set(seen.slice(0, 3))).toEqual(new Set(['s1', 's2', 's3']));
      expect(seen.slice(3)).toEqual(seen.slice(0, 3));
    } finally {
      await b.close();
    }
  });

  it('wrr: weights 3:1 give a 3:1 split', async () => {
    const b = backend();
    try {
      expect((await b.apply({ services: [desired('wrr', [3, 1])] })).isOk()).toBe(true);
      const seen = await fetchFrom(env.lab, 'client', URL, 8);
      expect(seen.filter((s) => s === 's1')).toHaveLength(6);
      expect(seen.filter((s) => s === 's2')).toHaveLength(2);
    } finally {
      await b.close();
    }
  });

  it('drain (weight 0) keeps an established connection alive', async () => {
    const b = backend();
    const port = 9000;
    // stdin must stay open: busybox nc ends the connection at EOF on its stdin.
    const listener = env.lab.spawn('s1', ['busybox', 'nc', '-l', '-p', String(port)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let received = '';
    listener.stdout?.on('data', (d: Buffer) => {
      received += d.toString();
    });
    const client = () =>
      env.lab.spawn('client', ['busybox', 'nc', LAB.vip, String(port)], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    let conn: ReturnType<typeof client> | undefined;
    try {
      expect((await b.apply({ services: [desired('rr', [1], port)] })).isOk()).toBe(true);
      // The listener may need a moment to bind: reconnect only when a client exits
      // (refused); process start-up in the VM is slow, so never kill a live one.
      for (let attempt = 0; attempt < 10 && !received.includes('before'); attempt++) {
        const c = client();
        conn = c;
        c.stdin?.write('before\n');
        await until(() => received.includes('before') || c.exitCode !== null, 15_000);
      }
      expect(received).toContain('before');
      expect((await b.apply({ services: [desired('rr', [0], port)] })).isOk()).toBe(true);
      const listed = await ipvsadmList(env.lab.ns('lb'));
      expect(listed.services).toHaveLength(1);
      expect(listed.services[0]?.destinations).toEqual([
        { address: LAB.server(1), port, weight: 0 },
      ]);
      conn?.stdin?.write('after drain\n');
      expect(await until(() => received.includes('after drain'), 10_000)).toBe(true);
    } finally {
      if (conn) await env.lab.kill(conn);
      await env.lab.kill(listener);
      await b.close();
    }
  });

  it('failover driven by the TCP probe through createBalancer', async () => {
    const restore = (await enterNetworkNamespace(env.lab.ns('lb')))._unsafeUnwrap();
    const service: Service = {
      ...desired('rr', [1, 1, 1]),
      destinations: desired('rr', [1, 1, 1]).destinations,
      probe: { kind: 'tcp' },
      health: FAST_HEALTH,
      downAction: 'remove',
    };
    const balancer = createBalancer({
      services: [service],
      backend: backend(),
      probes: createProbe,
    });
    try {
      expect((await balancer.start()).isOk()).toBe(true);
      await balancer.whenReady();
      await balancer.settled();
      await env.lab.kill(servers.get('s2')!);
      const down = await until(() =>
        balancer.status()[0]!.destinations.some((d) => d.name === 's2' && !d.serving),
      );
      expect(down).toBe(true);
      await balancer.settled();
      const after = await fetchFrom(env.lab, 'client', URL, 4);
      expect(new Set(after)).toEqual(new Set(['s1', 's3']));
      servers.set('s2', startHttpd(env.lab, 's2', LAB.server(2), 's2'));
      expect(await until(() => balancer.status()[0]!.destinations.every((d) => d.serving))).toBe(
        true,
      );
      await balancer.settled();
      const back = await fetchFrom(env.lab, 'client', URL, 3);
      expect(new Set(back)).toEqual(new Set(['s1', 's2', 's3']));
    } finally {
      await balancer.stop();
      restore();
    }
  });
});
