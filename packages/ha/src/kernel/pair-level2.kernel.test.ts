/**
 * Level 2 on a pair: the servers have no route off their segment at all, so
 * replies come back only because the balancer SNATs balanced traffic to the
 * inner VIP, the floating address on the servers' side (backend-nftables
 * `snat`). After the master is lost the replies still find the owner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPairLab, PAIR, type PairLab } from '../testing/pair-lab.js';
import { haKernelSkip } from './kernel-env.js';
import {
  failoverReport,
  type LabNode,
  startLoad,
  startNode,
  startServers,
  waitFor,
} from './pair-harness.js';

const skip = haKernelSkip(['keepalived', 'nft', 'dnsmasq', 'conntrack']);

describe.skipIf(skip)(
  `balancer pair, level 2 (SNAT to the inner VIP)${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let pair: PairLab;
    let b1: LabNode;
    let b2: LabNode;
    const nftables = { snat: { ipv4: PAIR.innerVip } };

    beforeAll(async () => {
      pair = await createPairLab({ prefix: 'lbkh', level: 2 });
      await startServers(pair);
      b1 = await startNode(pair, 'b1', { nftables });
      b2 = await startNode(pair, 'b2', { nftables });
      await waitFor(
        async () =>
          b1.role() === 'master' &&
          b2.role() === 'backup' &&
          (await pair.holders(PAIR.vip)).join() === 'b1',
        15_000,
        'b1 master',
      );
    }, 90_000);

    afterAll(async () => {
      await Promise.all([b1?.stop(), b2?.stop()]);
      await pair?.destroy();
    }, 60_000);

    it('the servers see the inner VIP as the source; the master lost, replies reach b2 through it', async () => {
      const rule = await pair.lab.exec('b2', [
        'nft',
        'list',
        'chain',
        'inet',
        'lbkit_ha',
        'postrouting',
      ]);
      expect(rule.stdout).toMatch(new RegExp(`snat ip to ${PAIR.innerVip.replace(/\./g, '\\.')}`));
      const load = startLoad(pair);
      await waitFor(() => load.results.length > 20, 10_000, 'the load');
      // The reply direction of b1's balanced flows is addressed to the inner VIP.
      const flows = await pair.lab.exec('b1', [
        'conntrack',
        '-L',
        '-p',
        'tcp',
        '--orig-port-dst',
        '7000',
      ]);
      expect(flows.stdout).toMatch(/src=198\.51\.100\.1[1-3] dst=198\.51\.100\.1 sport=7000/);
      const at = Date.now();
      await pair.cut('b1');
      await waitFor(
        async () => (await pair.holders(PAIR.innerVip)).join() === 'b2',
        3000,
        'the inner VIP on b2',
      );
      await new Promise((r) => setTimeout(r, 1500));
      const results = await load.stop();
      const report = failoverReport(results, at);
      console.log(`level 2, links cut: ${JSON.stringify(report)}`);
      expect(report.failedBefore).toBe(0);
      expect(report.recoveredMs).toBeLessThan(1000);
      expect(report.failedAfterWindow).toBe(0);
      const lateOk = results.filter((r) => r.ok && r.at > at + 1000);
      expect(new Set(lateOk.map((r) => r.server)).size).toBe(3);
      expect(lateOk.some((r) => r.p === 'dns')).toBe(true);
    }, 60_000);
  },
);
