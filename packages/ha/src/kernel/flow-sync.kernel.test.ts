/**
 * Flow-state sync on the pair, for real: conntrackd (FTFW over the sync link
 * eth2) on both nodes, the takeover guard, and long-lived TCP connections
 * (a line every 50 ms, echoed) through the VIP while the master is lost.
 * Level 3 (the servers route via the inner VIP), rr and Maglev; the same
 * pair without conntrackd as the reference; level 2 (SNAT to the inner VIP)
 * in a lab of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPairLab, PAIR, type PairLab, type PairNode } from '../testing/pair-lab.js';
import { haKernelSkip } from './kernel-env.js';
import {
  type HoldSummary,
  type LabNode,
  labServices,
  PORTS,
  startHold,
  startLoad,
  startNode,
  startServers,
  startUdpFlows,
  type UdpFlowSummary,
  waitFor,
} from './pair-harness.js';

const skip = haKernelSkip(['keepalived', 'nft', 'dnsmasq', 'conntrackd', 'conntrack']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const CONNECTIONS = 30;

/** A pair lab with both nodes, flow sync or not, b1 master. */
async function pairOf(
  level: 2 | 3,
  flowSync: boolean,
  sync: { readonly guard?: boolean; readonly slowCommit?: boolean; readonly udp?: boolean } = {},
): Promise<{ pair: PairLab; nodes: Record<PairNode, LabNode> }> {
  const pair = await createPairLab({ prefix: 'lbkh', level });
  try {
    await startServers(pair);
    const services = labServices(pair, {}, { echo: true });
    const options = {
      services,
      // The returning node waits in BACKUP for the resync before it preempts.
      ha: { preemptDelay: 1500 },
      ...(flowSync && { flowSync: sync }),
      ...(level === 2 && { nftables: { snat: { ipv4: PAIR.innerVip } } }),
    };
    const b1 = await startNode(pair, 'b1', options);
    const b2 = await startNode(pair, 'b2', options);
    await waitFor(
      async () =>
        b1.role() === 'master' &&
        b2.role() === 'backup' &&
        (await pair.holders(PAIR.vip)).join() === 'b1' &&
        ['b1', 'b2'].every(
          (n) =>
            pair.servers.every((s) =>
              [b1, b2].every((x) => x.destinations()[`echo/${s}`] === 'up'),
            ) && n !== '',
        ),
      20_000,
      'b1 master, b2 backup, servers up',
    );
    return { pair, nodes: { b1, b2 } };
  } catch (error) {
    await pair.destroy();
    throw error;
  }
}

/** rr and Maglev connections and rr UDP flows held across `action`; returns the summaries. */
async function holdAcross(
  pair: PairLab,
  action: () => Promise<void>,
): Promise<{ rr: HoldSummary; mh: HoldSummary; udp: UdpFlowSummary }> {
  const rr = await startHold(pair, { port: PORTS.echo, connections: CONNECTIONS });
  const mh = await startHold(pair, { port: PORTS.echoMh, connections: CONNECTIONS });
  const udp = await startUdpFlows(pair, { flows: CONNECTIONS });
  // Let conntrackd send the flows to the backup.
  await sleep(1500);
  await action();
  // Time for the takeover, then for TCP to recover what was dropped.
  await sleep(4000);
  return { rr: await rr.stop(), mh: await mh.stop(), udp: await udp.stop() };
}

const brief = (s: HoldSummary) => ({
  connections: s.connections,
  opened: s.opened,
  broken: s.broken,
  stalled: s.stalled,
  errors: s.errors,
  servers: s.servers,
});

const syncSteps = (node: LabNode, since: number) =>
  node.messages
    .filter((m) => m['type'] === 'sync' && (m['at'] as number) >= since)
    .map((m) => `${m['role']}:${m['step']}:${m['ok'] ? 'ok' : 'FAILED'}`);

/** Builds a pair lab for one describe block (`pairOf`) and destroys it after. */
function usePair(...args: Parameters<typeof pairOf>): {
  readonly pair: PairLab;
  readonly nodes: Record<PairNode, LabNode>;
} {
  let built: Awaited<ReturnType<typeof pairOf>> | undefined;
  beforeAll(async () => {
    built = await pairOf(...args);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([built?.nodes.b1.stop(), built?.nodes.b2.stop()]);
    await built?.pair.destroy();
  }, 60_000);
  return {
    get pair() {
      return built!.pair;
    },
    get nodes() {
      return built!.nodes;
    },
  };
}

/** b1 (the master) loses its links; resolves once b2 holds the VIP. */
async function loseB1(pair: PairLab): Promise<void> {
  await pair.cut('b1');
  await waitFor(
    async () => (await pair.holders(PAIR.vip)).join() === 'b2',
    3000,
    'b2 to hold the VIP',
  );
}

describe.skipIf(skip)(`flow sync on the lab.pair${skip ? ` (skipped: ${skip})` : ''}`, () => {
  describe('level 3 with conntrackd and the takeover guard', () => {
    // guardUdp: established UDP flows keep their server (without it all 30 moved).
    const lab = usePair(3, true, { udp: true });

    it("conntrackd runs on both nodes; the backup holds the master's flows in its external cache", async () => {
      for (const node of [lab.nodes.b1, lab.nodes.b2]) {
        expect(
          node.messages.some((m) => m['type'] === 'conntrackd' && m['state'] === 'running'),
        ).toBe(true);
      }
      const hold = await startHold(lab.pair, { port: PORTS.echo, connections: 5 });
      await sleep(1000);
      const ext = await lab.pair.lab.exec('b2', [
        '/usr/sbin/conntrackd',
        '-C',
        `${lab.pair.runDir('b2')}/conntrackd.conf`,
        '-e',
      ]);
      const summary = await hold.stop();
      expect(summary.broken).toBe(0);
      expect(ext.stdout).toMatch(/dport=7003/);
      // The guard is armed on the backup, disarmed on the master.
      const armed = await lab.pair.lab.exec('b2', [
        'nft',
        'list',
        'set',
        'inet',
        'lbkit_guard',
        'armed',
      ]);
      expect(armed.stdout).toMatch(/elements = \{ tcp, udp \}/);
      const master = await lab.pair.lab.exec('b1', [
        'nft',
        'list',
        'set',
        'inet',
        'lbkit_guard',
        'armed',
      ]);
      expect(master.stdout).not.toMatch(/elements/);
    }, 60_000);

    it('master lost (links cut) under long-lived TCP: 0 broken (rr and Maglev), UDP continues', async () => {
      const load = startLoad(lab.pair, 50, { dns: true });
      let at = 0;
      const { rr, mh, udp } = await holdAcross(lab.pair, async () => {
        at = Date.now();
        await loseB1(lab.pair);
      });
      const results = await load.stop();
      console.log(`level 3, conntrackd, links cut: established UDP flows ${JSON.stringify(udp)}`);
      const guard = await lab.pair.lab.exec('b2', [
        'nft',
        'list',
        'chain',
        'inet',
        'lbkit_guard',
        'prerouting',
      ]);
      const dropped = [...guard.stdout.matchAll(/counter packets (\d+)/g)].map((m) => Number(m[1]));
      console.log(`b2 guard dropped (to VIPs v4, v6, from servers v4, v6): ${dropped.join(' ')}`);
      console.log(
        `level 3, conntrackd, links cut: rr ${JSON.stringify(brief(rr))} mh ${JSON.stringify(brief(mh))}`,
      );
      console.log(`b2 sync steps: ${syncSteps(lab.nodes.b2, at).join(' ')}`);
      const steps = lab.nodes.b2.messages.filter(
        (m) => m['type'] === 'sync' && (m['at'] as number) >= at,
      );
      console.log(`b2 sync durations: ${steps.map((m) => `${m['step']}=${m['ms']}ms`).join(' ')}`);
      expect(rr.opened).toBe(CONNECTIONS);
      expect(mh.opened).toBe(CONNECTIONS);
      expect([rr.broken, rr.stalled, mh.broken, mh.stalled]).toEqual([0, 0, 0, 0]);
      // Established UDP flows keep their server (the synced entry, not a new rr pick).
      expect([udp.answered, udp.moved, udp.silent]).toEqual([CONNECTIONS, 0, 0]);
      expect(syncSteps(lab.nodes.b2, at)).toEqual(
        expect.arrayContaining(['master:commit:ok', 'master:disarm:ok', 'master:done:ok']),
      );
      expect(
        results.filter((r) => r.p === 'dns' && r.ok && r.at > at + 1500).length,
      ).toBeGreaterThan(10);
    }, 90_000);

    it('failback (b1 back, preempts): 0 broken', async () => {
      let at = 0;
      const { rr, mh } = await holdAcross(lab.pair, async () => {
        at = Date.now();
        await lab.pair.cut('b1', false);
        await waitFor(
          async () =>
            lab.nodes.b1.roleAt('master', at) !== undefined &&
            (await lab.pair.holders(PAIR.vip)).join() === 'b1',
          10_000,
          'b1 master again',
        );
      });
      console.log(
        `level 3, conntrackd, failback: rr ${JSON.stringify(brief(rr))} mh ${JSON.stringify(brief(mh))}`,
      );
      console.log(`b1 sync steps: ${syncSteps(lab.nodes.b1, at).join(' ')}`);
      expect([rr.broken, rr.stalled, mh.broken, mh.stalled]).toEqual([0, 0, 0, 0]);
    }, 90_000);

    it('conntrackd killed on the backup: lbkit restarts it, it resyncs from the master at start, a failover after that breaks nothing', async () => {
      const pid = lab.nodes.b2.messages
        .filter((m) => m['type'] === 'conntrackd' && m['state'] === 'running')
        .at(-1)?.['pid'] as number;
      expect(pid).toBeGreaterThan(0);
      const killedAt = Date.now();
      process.kill(pid, 'SIGKILL');
      const restarted = await lab.nodes.b2.waitFor(
        (m) =>
          m['type'] === 'conntrackd' && m['state'] === 'running' && (m['at'] as number) > killedAt,
        5000,
        'conntrackd restarted on b2',
      );
      console.log(
        `conntrackd on b2 back ${(restarted['at'] as number) - killedAt} ms after kill -9`,
      );
      let at = 0;
      const { rr, mh } = await holdAcross(lab.pair, async () => {
        at = Date.now();
        await loseB1(lab.pair);
      });
      console.log(
        `level 3, b2's conntrackd restarted, then links cut: rr ${JSON.stringify(brief(rr))} mh ${JSON.stringify(brief(mh))}`,
      );
      expect(
        lab.nodes.b2.messages.some(
          (m) =>
            m['type'] === 'conntrackd' &&
            m['state'] === 'restarting' &&
            (m['at'] as number) >= killedAt,
        ),
      ).toBe(true);
      expect(syncSteps(lab.nodes.b2, at)).toContain('master:commit:ok');
      expect([rr.broken, rr.stalled, mh.broken, mh.stalled]).toEqual([0, 0, 0, 0]);
      await lab.pair.cut('b1', false);
      await waitFor(
        async () => (await lab.pair.holders(PAIR.vip)).join() === 'b1',
        10_000,
        'b1 master again',
      );
    }, 90_000);

    it('conntrackd killed on the backup at the failover: the commit fails and is reported, the guard is lifted, flows are picked up as without sync', async () => {
      // Kill it and fail the failover before lbkit's restart (200 ms) can bring it back.
      const pid = lab.nodes.b2.messages
        .filter((m) => m['type'] === 'conntrackd' && m['state'] === 'running')
        .at(-1)?.['pid'] as number;
      let at = 0;
      const { rr, mh } = await holdAcross(lab.pair, async () => {
        process.kill(pid, 'SIGKILL');
        at = Date.now();
        await loseB1(lab.pair);
      });
      const steps = syncSteps(lab.nodes.b2, at);
      console.log(
        `level 3, b2's conntrackd killed at the cut: rr ${JSON.stringify(brief(rr))} mh ${JSON.stringify(brief(mh))}; b2: ${steps.join(' ')}`,
      );
      expect(steps).toContain('master:commit:FAILED');
      expect(steps).toContain('master:disarm:ok');
      await lab.pair.cut('b1', false);
      await waitFor(
        async () => (await lab.pair.holders(PAIR.vip)).join() === 'b1',
        10_000,
        'b1 master again',
      );
    }, 90_000);
  });

  describe('level 3 without conntrackd (the reference)', () => {
    const lab = usePair(3, false);

    it('master lost: round-robin NAT flows break (picked up mid-stream by b2, sent to another server)', async () => {
      const { rr, mh, udp } = await holdAcross(lab.pair, async () => {
        await loseB1(lab.pair);
      });
      console.log(
        `level 3, no conntrackd, links cut: rr ${JSON.stringify(brief(rr))} mh ${JSON.stringify(brief(mh))} udp ${JSON.stringify(udp)}`,
      );
      expect(rr.broken + rr.stalled).toBeGreaterThan(0);
      // UDP flows go on, but b2 balances them anew (in the random order it
      // first sees them): most land on another server.
      expect([udp.answered, udp.silent]).toEqual([CONNECTIONS, 0]);
      expect(udp.moved).toBeGreaterThan(0);
    }, 90_000);
  });

  /**
   * The takeover race (keepalived #2254): the new master owns the VIP before
   * its commit is done. Here the commit starts 1 s late (a stand-in for a
   * large table); meanwhile the clients' retransmissions reach b2.
   */
  for (const guard of [true, false]) {
    describe(`level 3 with conntrackd, a slow commit, ${guard ? 'with' : 'WITHOUT'} the takeover guard`, () => {
      const lab = usePair(3, true, { guard, slowCommit: true });

      it(guard
        ? 'master lost: packets before the commit are dropped (counted), none reset: 0 broken'
        : 'master lost: packets before the commit are picked up mid-stream and rr flows get resets', async () => {
        let at = 0;
        const { rr, mh } = await holdAcross(lab.pair, async () => {
          at = Date.now();
          await loseB1(lab.pair);
        });
        const steps = lab.nodes.b2.messages.filter(
          (m) => m['type'] === 'sync' && (m['at'] as number) >= at,
        );
        console.log(
          `level 3, slow commit, guard ${guard}: rr ${JSON.stringify(brief(rr))} mh ${JSON.stringify(brief(mh))}; b2: ${steps.map((m) => `${m['step']}=${m['ms']}ms`).join(' ')}`,
        );
        if (guard) {
          const chain = await lab.pair.lab.exec('b2', [
            'nft',
            'list',
            'chain',
            'inet',
            'lbkit_guard',
            'prerouting',
          ]);
          const dropped = [...chain.stdout.matchAll(/counter packets (\d+)/g)].map((m) =>
            Number(m[1]),
          );
          console.log(
            `b2 guard dropped (to VIPs v4, v6, from servers v4, v6): ${dropped.join(' ')}`,
          );
          expect(dropped[0]).toBeGreaterThan(0);
          expect([rr.broken, rr.stalled, mh.broken, mh.stalled]).toEqual([0, 0, 0, 0]);
        } else {
          // Which flows break varies (rr and Maglev alike: a flow picked up
          // mid-stream and the committed one collide); some always did here.
          expect(rr.broken + mh.broken).toBeGreaterThan(0);
          expect((rr.errors['ECONNRESET'] ?? 0) + (mh.errors['ECONNRESET'] ?? 0)).toBeGreaterThan(
            0,
          );
        }
      }, 90_000);
    });
  }

  describe('level 2 (SNAT to the inner VIP) with conntrackd', () => {
    const lab = usePair(2, true);

    it('master lost under long-lived TCP: 0 broken (rr and Maglev)', async () => {
      let at = 0;
      const { rr, mh, udp } = await holdAcross(lab.pair, async () => {
        at = Date.now();
        await loseB1(lab.pair);
      });
      console.log(
        `level 2, conntrackd, links cut: rr ${JSON.stringify(brief(rr))} mh ${JSON.stringify(brief(mh))} udp ${JSON.stringify(udp)}`,
      );
      console.log(`b2 sync steps: ${syncSteps(lab.nodes.b2, at).join(' ')}`);
      expect([rr.broken, rr.stalled, mh.broken, mh.stalled]).toEqual([0, 0, 0, 0]);
      // The default guard (TCP only): UDP flows go on; which server answers
      // them after the takeover is not kept (guardUdp keeps it, above).
      expect([udp.answered, udp.silent]).toEqual([CONNECTIONS, 0]);
    }, 90_000);
  });
});
