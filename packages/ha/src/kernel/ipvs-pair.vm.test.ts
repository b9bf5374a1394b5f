/**
 * The IPVS backend on the pair, in the kernel VM (this host has no IPVS):
 * two balancer namespaces, each with an lbkit balancer (IPVS, NAT) and
 * keepalived, a client, three servers. IPVS only sees traffic to a local
 * address: the VIP is local on the master alone, because keepalived adds it
 * there. Level 3 (servers route via the inner VIP).
 *
 * The VM is emulated (TCG, ~10x slower; a TypeScript child takes minutes to
 * start there), so both balancers run in this process: the IPVS backend
 * reaches its node's namespace by `netns`, the destinations are `none`-probed
 * (health is not the subject here; the host tests probe for real), and one
 * process title serves both nodes' track_process. Adverts every second; the
 * timing is asserted by the host tests, not here.
 */
import { createIpvsBackend } from '@lbkit/backend-ipvs';
import { type Balancer, createBalancer, validateServices } from '@lbkit/core';
import { createProbe } from '@lbkit/probes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHa, type Ha } from '../ha.js';
import type { HaRole } from '../role.js';
import { createPairLab, PAIR, type PairLab, type PairNode } from '../testing/pair-lab.js';
import { haKernelSkip } from './kernel-env.js';
import {
  labServices,
  PORTS,
  startHold,
  startLoad,
  startServers,
  waitFor,
  whoAnswers,
} from './pair-harness.js';

const skip =
  process.env['LBKIT_IN_VM'] !== '1'
    ? 'IPVS tests run inside the kernel VM: npm run test:vm (scripts/kernel-vm)'
    : haKernelSkip(['keepalived']);

interface Node {
  readonly balancer: Balancer;
  readonly ha: Ha;
  role: HaRole;
}

describe.skipIf(skip)(`IPVS on a balancer pair${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let pair: PairLab;
  const nodes = new Map<PairNode, Node>();
  const role = (node: PairNode) => nodes.get(node)?.role;

  const start = async (node: PairNode): Promise<void> => {
    const services = labServices(pair, {}, { echo: true })
      .filter((s) => s.protocol === 'tcp')
      .map((s) => ({ ...s, probe: { kind: 'none' as const } }));
    // The kernel's connection sync daemons (master and backup) on the sync link.
    const backend = createIpvsBackend({
      netns: pair.ns(node),
      instance: `lbkh_${node}`,
      syncDaemon: { interface: 'eth2', syncId: 51 },
    });
    const balancer = createBalancer({
      services: validateServices(services)._unsafeUnwrap(),
      backend,
      probes: createProbe,
    });
    (await balancer.start())._unsafeUnwrap();
    const input = pair.haInput(node, {
      advertInterval: 1000,
      track: { processName: pair.processName('b1') },
    });
    const ha = createHa(input)._unsafeUnwrap();
    const entry: Node = { balancer, ha, role: 'unknown' };
    ha.on('role', (e) => {
      entry.role = e.role;
    });
    ha.watch(balancer);
    (await ha.start())._unsafeUnwrap();
    nodes.set(node, entry);
  };

  beforeAll(async () => {
    pair = await createPairLab({ prefix: 'lbkh' });
    await startServers(pair, { dns: false, waitMs: 60_000 });
    await start('b1');
    await start('b2');
    await waitFor(
      async () =>
        role('b1') === 'master' &&
        role('b2') === 'backup' &&
        (await pair.holders(PAIR.vip)).join() === 'b1',
      60_000,
      () => `b1 master, b2 backup (now ${role('b1')}/${role('b2')})`,
    );
  }, 300_000);

  afterAll(async () => {
    for (const node of nodes.values()) {
      await node.ha.stop();
      await node.balancer.stop({ keep: false });
    }
    await pair?.destroy();
  }, 120_000);

  it('both nodes hold the IPVS services (hot standby); the VIP is local on the master only', async () => {
    for (const node of ['b1', 'b2']) {
      const r = await pair.lab.exec(node, ['ipvsadm', '-Ln']);
      expect(r.stdout).toMatch(/TCP\s+203\.0\.113\.10:7000 rr/);
      expect(r.stdout).toMatch(/TCP\s+203\.0\.113\.10:7001 sh/);
    }
    expect(await pair.holders(PAIR.vip)).toEqual(['b1']);
  });

  it('the master lost: new connections through b2 by IPVS; sh clients keep their destination', async () => {
    const viaB1 = await whoAnswers(pair, PORTS.sh, 3000);
    expect(
      Object.values(viaB1).every((s) => /^s[1-3]$/.test(s)),
      JSON.stringify(viaB1),
    ).toBe(true);
    const load = startLoad(pair, 100, { dns: false, timeoutMs: 2000 });
    await waitFor(() => load.results.filter((r) => r.ok).length > 5, 60_000, 'answers through b1');
    const at = Date.now();
    await pair.cut('b1');
    // b1 comes back whatever happens here: the next test starts from b1 master.
    try {
      await waitFor(
        async () => (await pair.holders(PAIR.vip)).join() === 'b2',
        30_000,
        'the VIP on b2',
      );
      const movedAt = Date.now();
      await waitFor(
        () => load.results.some((r) => r.ok && r.at > movedAt),
        30_000,
        'answers through b2',
      );
      const viaB2 = await whoAnswers(pair, PORTS.sh, 3000);
      await new Promise((r) => setTimeout(r, 3000));
      const results = await load.stop();
      const settled = results.filter((r) => r.at > movedAt + 1000);
      console.log(
        `IPVS pair: VIP on b2 after ${movedAt - at} ms, ${results.filter((r) => r.at > at && !r.ok).length} failed after the cut, ${settled.length} attempts from 1 s after the move`,
      );
      expect(settled.length).toBeGreaterThan(0);
      expect(settled.every((r) => r.ok)).toBe(true);
      expect(new Set(results.filter((r) => r.ok && r.at > at).map((r) => r.server)).size).toBe(3);
      expect(viaB2).toEqual(viaB1);
    } finally {
      await pair.cut('b1', false);
    }
  }, 180_000);

  it("the sync daemons copy the master's connections to the backup (ipvsadm -Lnc); long-lived connections survive a takeover", async () => {
    await waitFor(
      async () => role('b1') === 'master' && (await pair.holders(PAIR.vip)).join() === 'b1',
      60_000,
      'b1 master again',
    );
    for (const node of ['b1', 'b2']) {
      const daemons = await pair.lab.exec(node, ['ipvsadm', '-L', '--daemon']);
      expect(daemons.stdout).toMatch(/master sync daemon \(mcast=eth2, syncid=51/);
      expect(daemons.stdout).toMatch(/backup sync daemon \(mcast=eth2, syncid=51/);
    }
    const hold = await startHold(pair, { port: PORTS.echo, connections: 10, every: 100 });
    await new Promise((r) => setTimeout(r, 3000));
    const synced = await pair.lab.exec('b2', ['ipvsadm', '-Lnc']);
    const entries = synced.stdout
      .split('\n')
      .filter((l) => /ESTABLISHED .*203\.0\.113\.10:7003/.test(l));
    console.log(`IPVS sync: ${entries.length} ESTABLISHED entries for the VIP on the backup b2`);
    expect(entries.length).toBe(10);
    const at = Date.now();
    await pair.cut('b1');
    // b1 comes back whatever happens here: the next test starts from b1 master.
    try {
      await waitFor(
        async () => (await pair.holders(PAIR.vip)).join() === 'b2',
        30_000,
        'the VIP on b2',
      );
      console.log(`IPVS sync: VIP on b2 ${Date.now() - at} ms after the cut`);
      await new Promise((r) => setTimeout(r, 8000));
      const summary = await hold.stop();
      console.log(`IPVS sync, master lost: ${JSON.stringify({ ...summary, gaps: undefined })}`);
      expect(summary.opened).toBe(10);
      expect([summary.broken, summary.stalled]).toEqual([0, 0]);
    } finally {
      await pair.cut('b1', false);
    }
  }, 240_000);
});
