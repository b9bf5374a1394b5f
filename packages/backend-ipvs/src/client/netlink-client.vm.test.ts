/**
 * The netlink client against the real kernel (inside the kernel VM): every
 * scheduler and flag, fwmark and IPv6 services, route/tunnel destinations and
 * thresholds are read back through a dump exactly as written, `ipvsadm -Ln`
 * agrees, and kernel errors arrive with the documented kinds.
 */
import { NetnsLab } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipvsadmList } from '../testing/ipvsadm.js';
import { vmSkipReason } from '../testing/vm.js';
import type { IpvsClient } from './client.js';
import { createIpvsClient } from './netlink-client.js';
import type { DestinationConfig, ServiceConfig, ServiceId } from './types.js';

const skip = vmSkipReason();
const nat: DestinationConfig = {
  forward: 'masquerade',
  weight: 1,
  upperThreshold: 0,
  lowerThreshold: 0,
};

describe.skipIf(skip)(
  `netlink IPVS client on the real kernel${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const lab = new NetnsLab('lbkv');
    let client: IpvsClient;

    beforeAll(async () => {
      const ns = await lab.add('client');
      client = (await createIpvsClient({ netns: ns }))._unsafeUnwrap();
    });
    afterAll(async () => {
      client?.close();
      await lab.destroy();
    });

    it('reports the IPVS version', async () => {
      expect((await client.info())._unsafeUnwrap().version).toMatch(/^1\.2\.\d+$/);
    });

    it('round-trips every scheduler, flag and persistence setting through the kernel', async () => {
      const cases: Array<[ServiceId, ServiceConfig]> = [
        [
          { family: 4, protocol: 'tcp', address: '192.0.2.10', port: 80 },
          { scheduler: 'rr', flags: [], timeout: 0, netmask: 32 },
        ],
        [
          { family: 4, protocol: 'udp', address: '192.0.2.10', port: 53 },
          { scheduler: 'wrr', flags: ['one-packet'], timeout: 0, netmask: 32 },
        ],
        [
          { family: 4, protocol: 'tcp', address: '192.0.2.10', port: 81 },
          { scheduler: 'lc', flags: ['persistent'], timeout: 300, netmask: 24 },
        ],
        [
          { family: 4, protocol: 'tcp', address: '192.0.2.10', port: 82 },
          { scheduler: 'wlc', flags: [], timeout: 0, netmask: 32 },
        ],
        [
          { family: 4, protocol: 'tcp', address: '192.0.2.10', port: 83 },
          { scheduler: 'sh', flags: ['sched-1', 'sched-2'], timeout: 0, netmask: 32 },
        ],
        [
          { family: 6, protocol: 'tcp', address: '2001:db8::10', port: 443 },
          { scheduler: 'mh', flags: ['sched-1'], timeout: 0, netmask: 128 },
        ],
        [
          { family: 6, protocol: 'udp', address: '2001:db8::10', port: 53 },
          { scheduler: 'sed', flags: ['persistent'], timeout: 60, netmask: 64 },
        ],
        [
          { family: 4, fwmark: 7 },
          { scheduler: 'rr', flags: [], timeout: 0, netmask: 32 },
        ],
      ];
      for (const [id, config] of cases) {
        const created = await client.createService(id, config);
        expect(created.isOk(), JSON.stringify(created)).toBe(true);
      }
      const dumped = (await client.services())._unsafeUnwrap();
      const byId = (id: ServiceId) =>
        dumped.find((s) => JSON.stringify(s.id) === JSON.stringify(id));
      for (const [id, config] of cases) expect(byId(id)?.config).toEqual(config);
      expect((await client.flush()).isOk()).toBe(true);
      expect((await client.services())._unsafeUnwrap()).toEqual([]);
    });

    it('round-trips destinations: NAT, route, tunnel (GUE), thresholds, weight updates', async () => {
      const svc: ServiceId = { family: 4, protocol: 'tcp', address: '192.0.2.20', port: 80 };
      await client.createService(svc, { scheduler: 'wrr', flags: [], timeout: 0, netmask: 32 });
      const dests: Array<[{ family: 4; address: string; port: number }, DestinationConfig]> = [
        [
          { family: 4, address: '198.51.100.11', port: 8080 },
          { ...nat, weight: 3 },
        ],
        [
          { family: 4, address: '198.51.100.12', port: 80 },
          { forward: 'route', weight: 2, upperThreshold: 100, lowerThreshold: 10 },
        ],
        [
          { family: 4, address: '198.51.100.13', port: 80 },
          {
            forward: 'tunnel',
            weight: 1,
            upperThreshold: 0,
            lowerThreshold: 0,
            tunnel: { type: 'gue', port: 6080, flags: 0 },
          },
        ],
      ];
      for (const [id, config] of dests)
        expect((await client.createDestination(svc, id, config)).isOk()).toBe(true);
      const read = (await client.destinations(svc))._unsafeUnwrap();
      for (const [id, config] of dests) {
        expect(read.find((d) => d.id.address === id.address)).toMatchObject({ id, config });
      }
      await client.updateDestination(svc, dests[0]![0], { ...nat, weight: 0 });
      const listed = await ipvsadmList(lab.ns('client'));
      expect(
        listed.services[0]?.destinations.find((d) => d.address === '198.51.100.11')?.weight,
      ).toBe(0);
      await client.removeService(svc);
    });

    it('maps kernel errors: EEXIST, ESRCH, ENOENT, unknown scheduler', async () => {
      const svc: ServiceId = { family: 4, protocol: 'tcp', address: '192.0.2.30', port: 80 };
      const rr: ServiceConfig = { scheduler: 'rr', flags: [], timeout: 0, netmask: 32 };
      await client.createService(svc, rr);
      expect((await client.createService(svc, rr))._unsafeUnwrapErr()).toMatchObject({
        kind: 'exists',
        errno: 17,
      });
      const other = { ...svc, port: 81 };
      expect((await client.removeService(other))._unsafeUnwrapErr()).toMatchObject({
        kind: 'not-found',
        errno: 3,
      });
      const d = { family: 4 as const, address: '198.51.100.1', port: 80 };
      expect((await client.removeDestination(svc, d))._unsafeUnwrapErr()).toMatchObject({
        kind: 'not-found',
        errno: 2,
      });
      expect(
        (await client.createService(other, { ...rr, scheduler: 'nosuch' }))._unsafeUnwrapErr().kind,
      ).toBe('not-found');
      await client.removeService(svc);
    });
  },
);
