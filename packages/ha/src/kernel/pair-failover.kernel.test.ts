/**
 * The pair under load, for real: two balancers (lbkit + keepalived, VRRPv3,
 * adverts every 100 ms, unicast), a client, three servers, bridges. Level 3:
 * the servers route via the inner VIP. One lab for the whole file; the
 * scenarios run in order, each leaving b1 master again, the last one
 * destroying b1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HaInput } from '../options.js';
import { createPairLab, PAIR, type PairLab, type PairNode } from '../testing/pair-lab.js';
import { haKernelSkip } from './kernel-env.js';
import {
  type Attempt,
  failoverReport,
  failuresAwayFrom,
  type LabNode,
  PORTS,
  startLoad,
  startNode,
  startServers,
  waitFor,
  whoAnswers,
} from './pair-harness.js';

const skip = haKernelSkip();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(skip)(`balancer pair under load${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let pair: PairLab;
  const nodes: Record<PairNode, LabNode | undefined> = { b1: undefined, b2: undefined };
  const b = (node: PairNode): LabNode => nodes[node]!;

  const dump = () =>
    [...(nodes.b1?.messages ?? []), ...(nodes.b2?.messages ?? [])]
      .filter((m) => m['type'] !== 'log')
      .slice(-40)
      .map((m) => JSON.stringify(m))
      .join('\n');
  /**
   * Waits until `master` is MASTER holding the VIP alone, the other is BACKUP,
   * and both see every server up: each scenario starts from the same state.
   */
  const settle = async (master: PairNode, timeout = 15_000) => {
    const backup = master === 'b1' ? 'b2' : 'b1';
    await waitFor(
      async () =>
        b(master).role() === 'master' &&
        b(backup).role() === 'backup' &&
        pair.servers.every((s) => every('b1', s, 'up') && every('b2', s, 'up')) &&
        (await pair.holders(PAIR.vip)).join() === master,
      timeout,
      () => `${master} master, ${backup} backup\n${dump()}`,
    );
  };
  const start = async (ha: Partial<HaInput>) => {
    nodes.b1 = await startNode(pair, 'b1', { ha });
    nodes.b2 = await startNode(pair, 'b2', { ha });
    await settle('b1');
  };
  const stopBoth = async () => {
    await Promise.all([nodes.b1?.stop(), nodes.b2?.stop()]);
  };
  /** Runs `action` under load; returns the client's attempts and when the action started. */
  const underLoad = async (action: () => Promise<void>, after = 1000) => {
    const load = startLoad(pair);
    await waitFor(() => load.results.length > 20, 10_000, 'the load');
    const at = Date.now();
    await action();
    await sleep(after);
    return { at, results: await load.stop() };
  };
  const SERVICES = ['line', 'hashed', 'maglev', 'dns'];
  /** True when `node` reports `state` for `server` in every service. */
  const every = (node: PairNode, server: string, state: string) =>
    SERVICES.every((service) => b(node).destinations()[`${service}/${server}`] === state);
  /** Takes a server down and waits until both nodes have dropped it from every service. */
  const serverDown = async (role: string) => {
    await pair.serverLink(role, false);
    await waitFor(
      () => every('b1', role, 'down') && every('b2', role, 'down'),
      10_000,
      `${role} down on both nodes`,
    );
    await sleep(300);
  };
  const rolesSince = (node: PairNode, since: number) =>
    b(node)
      .messages.filter((m) => m['type'] === 'role' && (m['at'] as number) >= since)
      .map((m) => m['role']);
  const expectFailover = (results: readonly Attempt[], at: number, label: string) => {
    const report = failoverReport(results, at);
    console.log(`${label}: ${JSON.stringify(report)}`);
    expect(report.failedBefore).toBe(0);
    expect(report.recoveredMs).toBeLessThan(1000);
    expect(report.failedAfterWindow).toBe(0);
    // DNS over UDP continues through the new master too.
    expect(results.filter((r) => r.p === 'dns' && r.ok && r.at > at + 1000).length).toBeGreaterThan(
      10,
    );
    return report;
  };

  beforeAll(async () => {
    pair = await createPairLab({ prefix: 'lbkh' });
    await startServers(pair);
    // Weighted tracking: a healthy lbkit adds 60 (b1 210, b2 160); unhealthy, b1 (150) is below b2.
    await start({ track: { weight: 60 } });
  }, 90_000);

  afterAll(async () => {
    await stopBoth();
    await pair?.destroy();
  }, 60_000);

  it('one master: both VIPs on b1 only; both nodes keep their tables (hot standby)', async () => {
    expect(await pair.holders(PAIR.vip)).toEqual(['b1']);
    expect(await pair.holders(PAIR.innerVip)).toEqual(['b1']);
    for (const node of ['b1', 'b2']) {
      const r = await pair.lab.exec(node, ['nft', 'list', 'table', 'inet', 'lbkit_ha']);
      expect(r.stdout).toMatch(/svc_line/);
    }
    expect(
      b('b1').messages.find((m) => m['type'] === 'health' && m['healthy'] === true),
    ).toBeDefined();
  });

  it('b1 lost (links cut): new connections through b2 within 1 s, DNS continues; failback by preemption, no flapping', async () => {
    let restoreAt = 0;
    const { at, results } = await underLoad(async () => {
      await pair.cut('b1');
      await waitFor(
        async () => (await pair.holders(PAIR.vip)).includes('b2'),
        3000,
        'b2 to hold the VIP',
      );
      await sleep(1500);
      restoreAt = Date.now();
      await pair.cut('b1', false);
      await settle('b1');
    });
    expectFailover(
      results.filter((r) => r.at < restoreAt),
      at,
      'links cut',
    );
    const back = failoverReport(results, restoreAt);
    console.log(`failback (preempt): ${JSON.stringify(back)}`);
    // b1 takes the VIP back: only connections in flight at that instant may fail.
    const handover = b('b1').roleAt('master', restoreAt)!;
    expect(
      failuresAwayFrom(
        results.filter((r) => r.at >= restoreAt),
        handover,
      ),
    ).toEqual([]);
    expect(back.recoveredMs).toBeLessThan(handover - restoreAt + 300);
    expect(rolesSince('b2', at)).toEqual(['master', 'backup']);
  }, 60_000);

  it('hashed clients (sh, Maglev) reach the same destination through either node', async () => {
    const viaB1 = { sh: await whoAnswers(pair, PORTS.sh), mh: await whoAnswers(pair, PORTS.mh) };
    expect(new Set(Object.values(viaB1.sh)).size).toBeGreaterThan(1);
    expect(new Set(Object.values(viaB1.mh)).size).toBeGreaterThan(1);
    await pair.cut('b1');
    await waitFor(
      async () => (await pair.holders(PAIR.vip)).includes('b2'),
      3000,
      'b2 to hold the VIP',
    );
    const viaB2 = { sh: await whoAnswers(pair, PORTS.sh), mh: await whoAnswers(pair, PORTS.mh) };
    await pair.cut('b1', false);
    await settle('b1');
    expect(viaB2).toEqual(viaB1);
  }, 60_000);

  it("b1's applies fail: its priority drops (track_file weight), the VIP moves to b2, and comes back when they work", async () => {
    await serverDown('s3');
    const from = b('b1').messages.length;
    let healedAt = 0;
    const { at, results } = await underLoad(async () => {
      b('b1').send('fail-applies on');
      // A change to apply: s3 answers again (both nodes see it; only b2 can apply it).
      await pair.serverLink('s3', true);
      await b('b1').waitFor((m) => m['type'] === 'applyFailed', 5000, 'an apply to fail', from);
      await b('b1').waitFor(
        (m) => m['type'] === 'role' && m['role'] === 'backup',
        3000,
        'b1 to step down',
        from,
      );
      await waitFor(
        async () => (await pair.holders(PAIR.vip)).join() === 'b2',
        3000,
        'the VIP on b2',
      );
      healedAt = Date.now();
      b('b1').send('fail-applies off');
      await settle('b1');
    });
    const down = b('b1')
      .messages.slice(from)
      .find((m) => m['type'] === 'role' && m['role'] === 'backup');
    expect(down?.['priority']).toBe(150);
    const report = failoverReport(
      results.filter((r) => r.at < healedAt),
      at,
    );
    console.log(`applies failing: ${JSON.stringify(report)}`);
    expect(report.failedBefore).toBe(0);
    expect(report.failedAfterWindow).toBe(0);
    expect(rolesSince('b2', at)).toEqual(['master', 'backup']);
  }, 60_000);

  it('lbkit killed with -9 on the master: track_process moves the VIP within 1 s; a new lbkit takes over', async () => {
    let respawnAt = 0;
    let movedMs = 0;
    const { at, results } = await underLoad(async () => {
      const killedAt = Date.now();
      b('b1').child.kill('SIGKILL');
      await waitFor(
        async () => (await pair.holders(PAIR.vip)).join() === 'b2',
        2000,
        'the VIP on b2 only',
      );
      movedMs = Date.now() - killedAt;
      await sleep(1500);
      respawnAt = Date.now();
      nodes.b1 = await startNode(pair, 'b1', { ha: { track: { weight: 60 } } });
      await settle('b1');
    });
    console.log(`lbkit kill -9: the VIP on b2 alone after ${movedMs} ms`);
    expect(movedMs).toBeLessThan(1000);
    expectFailover(
      results.filter((r) => r.at < respawnAt),
      at,
      'lbkit kill -9',
    );
    const log = b('b1')
      .messages.filter((m) => m['type'] === 'log')
      .map((m) => String(m['line']));
    expect(log.some((l) => /stopping keepalived pid \d+ left by an earlier run/.test(l))).toBe(
      true,
    );
  }, 60_000);

  it('keepalived alone killed with -9 on the master: lbkit drops its VIPs at once, b2 takes over, keepalived comes back', async () => {
    const from = b('b1').messages.length;
    const samples: { at: number; holders: PairNode[] }[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push({ at: Date.now(), holders: await pair.holders(PAIR.vip) });
        await sleep(20);
      }
    })();
    const { at, results } = await underLoad(async () => {
      const pids = pair.killKeepalived('b1');
      expect(pids).toHaveLength(2);
      await b('b1').waitFor(
        (m) => m['type'] === 'vipsRemoved',
        2000,
        'lbkit to remove the VIPs',
        from,
      );
      await waitFor(
        async () => (await pair.holders(PAIR.vip)).join() === 'b2',
        2000,
        'the VIP on b2',
      );
      await b('b1').waitFor(
        (m) => m['type'] === 'keepalived' && m['state'] === 'running',
        5000,
        'keepalived again',
        from,
      );
      await settle('b1');
    });
    sampling = false;
    await sampler;
    const removed = b('b1')
      .messages.slice(from)
      .find((m) => m['type'] === 'vipsRemoved')!;
    expect((removed['addresses'] as string[]).sort()).toEqual([PAIR.innerVip, PAIR.vip]);
    expect(Number(removed['at']) - at).toBeLessThan(500);
    expect(rolesSince('b1', at)[0]).toBe('stop');
    // Never two masters answering for the VIP: no sample with both holding it.
    const both = samples.filter((s) => s.holders.length > 1);
    console.log(
      `keepalived kill -9: ${samples.length} samples, ${both.length} with both nodes holding the VIP`,
    );
    expect(both).toEqual([]);
    expectFailover(results, at, 'keepalived kill -9');
  }, 60_000);

  it('nopreempt, and the default FAULT on unhealth: b1 back stays backup (no flapping); failing applies still move the VIP', async () => {
    await stopBoth();
    await start({ preempt: false });
    // Lose b1, bring it back: b2 keeps the VIP.
    let backAt = 0;
    const { results } = await underLoad(async () => {
      await pair.cut('b1');
      await waitFor(
        async () => b('b2').role() === 'master' && (await pair.holders(PAIR.vip)).join() === 'b2',
        3000,
        'b2 master with the VIP',
      );
      backAt = Date.now();
      await pair.cut('b1', false);
      await sleep(2000);
    });
    expect(b('b1').role()).toBe('backup');
    expect(b('b2').role()).toBe('master');
    expect(await pair.holders(PAIR.vip)).toEqual(['b2']);
    expect(rolesSince('b2', backAt)).toEqual([]);
    expect(failoverReport(results, backAt).failed).toEqual({ tcp: 0, dns: 0 });
    // b2 (now master) unhealthy: FAULT, a priority-0 advert, b1 takes over although nopreempt.
    await serverDown('s3');
    const from = b('b2').messages.length;
    const { at, results: moved } = await underLoad(async () => {
      b('b2').send('fail-applies on');
      await pair.serverLink('s3', true);
      await b('b2').waitFor(
        (m) => m['type'] === 'role' && m['role'] === 'fault',
        5000,
        'b2 FAULT',
        from,
      );
      await waitFor(
        async () => (await pair.holders(PAIR.vip)).join() === 'b1',
        3000,
        'the VIP on b1',
      );
    });
    expect(failoverReport(moved, at).failedAfterWindow).toBe(0);
    b('b2').send('fail-applies off');
    await settle('b1');
  }, 90_000);

  it('the master node crashes (namespace deleted, everything in it killed): new connections through b2 within 1 s', async () => {
    const { at, results } = await underLoad(async () => {
      await pair.crash('b1', [b('b1').child]);
      await waitFor(
        async () => (await pair.holders(PAIR.vip)).join() === 'b2',
        3000,
        'the VIP on b2',
      );
    }, 1500);
    nodes.b1 = undefined;
    expectFailover(results, at, 'namespace deleted');
  }, 60_000);
});
