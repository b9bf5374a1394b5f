/**
 * The pair under load, for real: two balancers (lbkit + keepalived, VRRPv3,
 * adverts every 100 ms), a client, three servers, bridges. Level 3: the
 * servers route via the inner VIP. One lab for the whole file; the scenarios
 * run in order and each leaves b1 master again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPairLab, PAIR, type PairLab } from '../testing/pair-lab.js';
import { haKernelSkip } from './kernel-env.js';
import {
  failoverReport,
  type LabNode,
  PORTS,
  startLoad,
  startNode,
  startServers,
  waitFor,
  whoAnswers,
} from './pair-harness.js';

const skip = haKernelSkip();

describe.skipIf(skip)(`balancer pair, level 3${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let pair: PairLab;
  let b1: LabNode;
  let b2: LabNode;

  const holders = () => pair.holders(PAIR.vip);
  const settle = async (master: LabNode, backup: LabNode) => {
    await waitFor(
      async () => master.role() === 'master' && backup.role() === 'backup',
      15_000,
      () =>
        `${master.node} master, ${backup.node} backup (now ${master.role()}/${backup.role()})\n${[
          ...master.messages,
          ...backup.messages,
        ]
          .slice(-60)
          .map((m) => JSON.stringify(m))
          .join('\n')}`,
    );
    await waitFor(
      async () => (await holders()).join() === master.node,
      5000,
      'the VIP on the master only',
    );
  };

  beforeAll(async () => {
    pair = await createPairLab({ prefix: 'lbkh' });
    await startServers(pair);
    b1 = await startNode(pair, 'b1');
    b2 = await startNode(pair, 'b2');
    await settle(b1, b2);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([b1?.stop(), b2?.stop()]);
    await pair?.destroy();
  }, 60_000);

  it('one master: the VIP and the inner VIP on b1 only; both nodes balance (hot standby)', async () => {
    expect(await pair.holders(PAIR.vip)).toEqual(['b1']);
    expect(await pair.holders(PAIR.innerVip)).toEqual(['b1']);
    for (const node of ['b1', 'b2']) {
      const r = await pair.lab.exec(node, ['nft', 'list', 'table', 'inet', 'lbkit_ha']);
      expect(r.stdout).toMatch(/svc_line/);
    }
  });

  it('b1 lost (links cut) under load: new connections through b2 within 1 s, DNS continues; back with preempt, no flapping', async () => {
    const load = startLoad(pair);
    await waitFor(() => load.results.length > 20, 10_000, 'the load');
    const cutAt = Date.now();
    await pair.cut('b1');
    await waitFor(
      async () => (await pair.holders(PAIR.vip)).includes('b2'),
      3000,
      'b2 to hold the VIP',
    );
    await new Promise((r) => setTimeout(r, 1500));
    const restoreAt = Date.now();
    await pair.cut('b1', false);
    await settle(b1, b2);
    await new Promise((r) => setTimeout(r, 1000));
    const results = await load.stop();
    const report = failoverReport(
      results.filter((r) => r.at < restoreAt),
      cutAt,
    );
    console.log(`links cut: ${JSON.stringify(report)}`);
    expect(report.failedBefore).toBe(0);
    expect(report.recoveredMs).toBeLessThan(1000);
    expect(report.failedAfterWindow).toBe(0);
    const back = failoverReport(results, restoreAt);
    console.log(`failback: ${JSON.stringify(back)}`);
    expect(back.failed).toEqual({ tcp: 0, dns: 0 });
    // Exactly one move each way: b1 master -> (cut) -> master again; b2 backup -> master -> backup.
    const roles = (n: LabNode) =>
      n.messages
        .filter((m) => m['type'] === 'role' && (m['at'] as number) >= cutAt)
        .map((m) => m['role']);
    expect(roles(b2)).toEqual(['master', 'backup']);
  }, 60_000);

  it('hashed clients (sh, Maglev) reach the same destination through either node', async () => {
    const viaB1 = { sh: await whoAnswers(pair, PORTS.sh), mh: await whoAnswers(pair, PORTS.mh) };
    expect(new Set(Object.values(viaB1.sh)).size).toBeGreaterThan(1);
    await pair.cut('b1');
    await waitFor(
      async () => (await pair.holders(PAIR.vip)).includes('b2'),
      3000,
      'b2 to hold the VIP',
    );
    const viaB2 = { sh: await whoAnswers(pair, PORTS.sh), mh: await whoAnswers(pair, PORTS.mh) };
    await pair.cut('b1', false);
    await settle(b1, b2);
    expect(viaB2).toEqual(viaB1);
  }, 60_000);
});
