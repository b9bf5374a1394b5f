/**
 * The article's level 2, end to end in the kernel VM: IPVS virtual services for
 * DNS over UDP and TCP port 53 (rr, NAT) in front of two dnsmasq servers that
 * answer `health.load.balance TXT` with their own names; lbkit's DNS TXT probe
 * (keepalived's DNS_CHECK) drives membership: stopping one server removes it,
 * restarting it brings it back.
 */

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createBalancer, type Protocol, type Service } from '@lbkit/core';
import {
  type BalancerLab,
  createBalancerLab,
  dnsmasqNameServerArgv,
  LAB,
} from '@lbkit/core/testing';
import { enterNetworkNamespace } from '@lbkit/netlink';
import { createProbe } from '@lbkit/probes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipvsadmList } from '../testing/ipvsadm.js';
import { FAST_HEALTH, until, vmSkipReason } from '../testing/vm.js';
import { createIpvsBackend } from './ipvs-backend.js';
import { createMemoryOwnershipStore } from './ownership.js';

const skip = vmSkipReason(['dnsmasq']);
const QUERY = fileURLToPath(new URL('../testing/dns-query.mjs', import.meta.url));
const execFileAsync = promisify(execFile);

const dnsService = (protocol: Protocol): Service => ({
  name: `dns-${protocol}`,
  key: { vip: LAB.vip, port: 53, protocol },
  scheduler: 'rr',
  destinations: [1, 2].map((i) => ({
    name: `ns${i}`,
    address: LAB.server(i),
    port: 53,
    weight: 1,
  })),
  probe: { kind: 'dns', name: 'health.load.balance', type: 'TXT' },
  health: FAST_HEALTH,
  whenEmpty: 'reject',
  downAction: 'remove',
  persistence: 0,
});

describe.skipIf(skip)(
  `level 2: DNS over UDP and TCP behind IPVS${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let env: BalancerLab;
    const dnsmasq = (i: number) =>
      env.lab.spawn(
        `s${i}`,
        dnsmasqNameServerArgv({ txt: `=nameserver-${i}=`, listen: LAB.server(i) }),
      );
    const ask = async (protocol: Protocol, count: number): Promise<string[]> => {
      const { stdout } = await execFileAsync(
        'ip',
        [
          'netns',
          'exec',
          env.lab.ns('client'),
          process.execPath,
          QUERY,
          LAB.vip,
          'health.load.balance',
          String(count),
          protocol,
        ],
        { encoding: 'utf8', timeout: 30_000 },
      );
      return stdout.trim().split('\n');
    };

    beforeAll(async () => {
      env = await createBalancerLab('lbkv', 2);
    });
    afterAll(async () => {
      await env?.lab.destroy();
    });

    it('balances both transports, drops a stopped server and takes it back', async () => {
      const servers = [dnsmasq(1), dnsmasq(2)];
      const restore = (await enterNetworkNamespace(env.lab.ns('lb')))._unsafeUnwrap();
      const backend = createIpvsBackend({ ownership: createMemoryOwnershipStore() });
      const balancer = createBalancer({
        services: [dnsService('tcp'), dnsService('udp')],
        backend,
        probes: createProbe,
      });
      const serving = (n: number) =>
        balancer.status().every((s) => s.destinations.filter((d) => d.serving).length === n);
      try {
        expect((await balancer.start()).isOk()).toBe(true);
        expect(await until(() => serving(2))).toBe(true);
        await balancer.settled();
        const both = new Set(['=nameserver-1=', '=nameserver-2=']);
        expect(new Set(await ask('udp', 4))).toEqual(both);
        expect(new Set(await ask('tcp', 4))).toEqual(both);

        await env.lab.kill(servers[1]!);
        expect(await until(() => serving(1))).toBe(true);
        await balancer.settled();
        const listed = await ipvsadmList(env.lab.ns('lb'));
        expect(listed.services.map((s) => s.destinations.map((d) => d.address))).toEqual([
          [LAB.server(1)],
          [LAB.server(1)],
        ]);
        expect(new Set(await ask('udp', 3))).toEqual(new Set(['=nameserver-1=']));
        expect(new Set(await ask('tcp', 3))).toEqual(new Set(['=nameserver-1=']));

        servers[1] = dnsmasq(2);
        expect(await until(() => serving(2))).toBe(true);
        await balancer.settled();
        expect(new Set(await ask('udp', 4))).toEqual(both);
        expect(new Set(await ask('tcp', 4))).toEqual(both);
      } finally {
        await balancer.stop();
        restore();
      }
    });
  },
);
