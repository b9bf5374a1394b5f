/**
 * The article's DNS cluster for real: dnsmasq name servers answering their
 * own name in TXT `health.load.balance`, the dns-cluster program in the
 * balancer's namespace with the shipped level2.yaml / level3.yaml, and a
 * client asking the VIP over UDP and TCP. Level 3 must show the real client
 * address in the name servers' query logs; level 2 must not.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { canUseNetns, dnsmasqNameServerArgv } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onLines, waitFor } from '../common/lines.js';
import { CLUSTER, type ClusterLab, createClusterLab } from '../lab/cluster-lab.js';
import { EXAMPLES_DIR } from '../programs.js';
import { type RunningProgram, startProgram, tally, traceFrom } from '../test-support/daemon.js';

const dnsmasq = existsSync('/usr/sbin/dnsmasq');
if (!dnsmasq && process.env['CI'] === 'true') throw new Error('dnsmasq is required under CI');

describe.skipIf(!canUseNetns() || !dnsmasq).each([2, 3] as const)(
  'dns-cluster level %i',
  (level) => {
    let cluster: ClusterLab;
    let daemon: RunningProgram;
    const servers = new Map<number, { child: ChildProcess; log: string[] }>();

    const startDnsmasq = async (n: number) => {
      const child = cluster.lab.spawn(
        `s${n}`,
        dnsmasqNameServerArgv({ txt: `=nameserver-${n}=`, logQueries: true }),
      );
      const log: string[] = [];
      onLines(child.stderr, (line) => log.push(line));
      servers.set(n, { child, log });
      await waitFor(() => log.some((l) => /started/.test(l)), 10_000, `dnsmasq ${n}`);
    };

    beforeAll(async () => {
      cluster = await createClusterLab('lbkx', level, 2);
      await Promise.all([1, 2].map(startDnsmasq));
      const config = join(EXAMPLES_DIR, 'dns-cluster', `level${level}.yaml`);
      daemon = startProgram(cluster.lab, 'lb', 'dns-cluster', [
        '--config',
        config,
        '--level',
        String(level),
      ]);
      await daemon.waitForLine(/dns-cluster: ready/);
      await cluster.lab.exec('lb', ['sleep', '0.2']);
    });

    afterAll(async () => {
      await daemon?.stop();
      await cluster?.lab.destroy();
    });

    it('answers over UDP and TCP from both name servers, round robin', async () => {
      const udp = tally(await traceFrom(cluster.lab, 'client', CLUSTER.vip, 'dns:53', 10));
      expect(udp).toEqual({ 'nameserver-1': 5, 'nameserver-2': 5 });
      const tcp = tally(await traceFrom(cluster.lab, 'client', CLUSTER.vip, 'dns-tcp:53', 10));
      expect(tcp).toEqual({ 'nameserver-1': 5, 'nameserver-2': 5 });
    });

    it(
      level === 3
        ? 'the name servers see the real client address'
        : 'the name servers see the balancer, not the client',
      () => {
        const queries = [...servers.values()].flatMap((s) =>
          s.log.filter((l) => /query\[TXT\] health\.load\.balance from /.test(l)),
        );
        const fromClient = queries.filter((l) => l.endsWith(`from ${CLUSTER.client}`));
        const fromLb = queries.filter((l) => l.endsWith(`from ${CLUSTER.lbMgmt}`));
        if (level === 3) {
          expect(fromClient.length).toBeGreaterThanOrEqual(20);
        } else {
          expect(fromClient).toEqual([]);
          // 20 client queries plus the probes', all from the balancer's address.
          expect(fromLb.length).toBeGreaterThanOrEqual(20);
        }
      },
    );

    it('removes a stopped name server; the client is answered by the other', async () => {
      const from = daemon.lines.length;
      const s2 = servers.get(2)!;
      await cluster.lab.kill(s2.child, 'SIGKILL');
      await daemon.waitForLine(
        /service dns-udp: destination nameserver-2 .* up -> down/,
        10_000,
        from,
      );
      await daemon.waitForLine(
        /service dns-tcp: destination nameserver-2 .* up -> down/,
        10_000,
        from,
      );
      await cluster.lab.exec('lb', ['sleep', '0.2']);
      const udp = tally(await traceFrom(cluster.lab, 'client', CLUSTER.vip, 'dns:53', 6));
      expect(udp).toEqual({ 'nameserver-1': 6 });
      const tcp = tally(await traceFrom(cluster.lab, 'client', CLUSTER.vip, 'dns-tcp:53', 6));
      expect(tcp).toEqual({ 'nameserver-1': 6 });
    });
  },
);
