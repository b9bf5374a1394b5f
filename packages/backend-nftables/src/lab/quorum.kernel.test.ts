/**
 * Quorum with a sorry server on the kernel, driven by the core balancer with
 * the REAL TCP probe (this file's process enters the balancer namespace):
 * servers are killed until the service is below its quorum, then new
 * connections are answered by the sorry server alone; a restart brings the
 * service back above it and the sorry server out.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Balancer, createBalancer, type Service } from '@lbkit/core';
import { LAB } from '@lbkit/core/testing';
import { enterNetworkNamespace } from '@lbkit/netlink';
import { createProbe } from '@lbkit/probes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNftablesBackend } from '../backend/backend.js';
import { kernelSkip } from './kernel-env.js';
import { createTrafficLab, type TrafficLab } from './traffic-lab.js';
import { labWebService } from './web-service.js';

const skip = kernelSkip(['nft']);

describe.skipIf(skip)(
  `quorum and sorry server on nftables${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let lab: TrafficLab;
    let servers: ChildProcess[] = [];
    let balancer: Balancer | undefined;
    let leave: (() => void) | undefined;
    const events: string[] = [];

    // s1..s3 are the real servers, s4 the sorry server (not probed); quorum 2.
    const web: Service = {
      ...labWebService({ interval: 100, fastInterval: 100, downInterval: 100, timeout: 300 }),
      quorum: 2,
      sorry: { name: 'sorry', address: LAB.server(4), port: 80, weight: 1 },
    };

    beforeAll(async () => {
      lab = await createTrafficLab('lbqu', 4);
      servers = await lab.startNameServers([80]);
      const back = enterNetworkNamespace(lab.lbNs)._unsafeUnwrap();
      leave = () => back()._unsafeUnwrap();
      const backend = createNftablesBackend({ netns: lab.lbNs })._unsafeUnwrap();
      balancer = createBalancer({ services: [web], backend, probes: createProbe });
      balancer.on('quorumLost', (e) => events.push(`lost ${e.live}/${e.required} ${e.sorry}`));
      balancer.on('quorumRegained', (e) => events.push(`regained ${e.live}/${e.required}`));
      (await balancer.start())._unsafeUnwrap();
      await balancer.whenReady();
      await balancer.settled();
    });
    afterAll(async () => {
      await balancer?.stop();
      leave?.();
      await lab?.destroy();
    });

    const answers = async (count = 30) =>
      (await lab.client({ mode: 'tcp', host: LAB.vip, port: 80, count, timeoutMs: 1000 })).counts;

    /** Waits (at most 3 s) until the applied state's serving set is `names`; ms taken. */
    const until = async (names: string[]): Promise<number> => {
      const started = performance.now();
      const serving = () =>
        balancer!
          .desired()
          .services[0]!.destinations.filter((d) => d.weight > 0)
          .map((d) => d.name);
      while (JSON.stringify(serving()) !== JSON.stringify(names)) {
        if (performance.now() - started > 3000) throw new Error(`serving ${serving()}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      await balancer!.settled();
      return performance.now() - started;
    };

    it('above the quorum the sorry server gets nothing; below it, it gets everything; back above, normal', async () => {
      expect(await answers()).toEqual({ s1: 10, s2: 10, s3: 10 });

      await lab.lab.kill(servers[0]!, 'SIGKILL'); // 2 of 3 live: still at the quorum
      await until(['s2', 's3']);
      expect(await answers()).toEqual({ s2: 15, s3: 15 });
      expect(events).toEqual([]);

      await lab.lab.kill(servers[1]!, 'SIGKILL'); // 1 live: below the quorum
      const belowMs = await until(['sorry']);
      expect(await answers()).toEqual({ s4: 30 });
      expect(events).toEqual(['lost 1/2 sorry']);

      servers[0] = lab.lab.spawn('s1', [
        process.execPath,
        fileURLToPath(new URL('./name-server.mjs', import.meta.url)),
        's1',
        '80',
      ]);
      const aboveMs = await until(['s1', 's3']);
      expect(await answers()).toEqual({ s1: 15, s3: 15 });
      expect(events).toEqual(['lost 1/2 sorry', 'regained 2/2']);
      console.log(
        `quorum 2 of 3: sorry server serving ${belowMs.toFixed(0)} ms after the 2nd kill -9, ` +
          `normal again ${aboveMs.toFixed(0)} ms after a restart (probe every 100 ms, fall 2, rise 2)`,
      );
    });
  },
);
