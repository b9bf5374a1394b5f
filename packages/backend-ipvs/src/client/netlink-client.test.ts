import { encodeMessage, NLM } from '@lbkit/netlink';
import { describe, expect, it } from 'vitest';
import { createFakeIpvs } from '../testing/fake-ipvs.js';
import { createFakeNetlinkKernel } from '../testing/fake-netlink-kernel.js';
import { createIpvsClient } from './netlink-client.js';
import type { DestinationConfig, ServiceConfig, ServiceId } from './types.js';

const web: ServiceId = { family: 4, protocol: 'tcp', address: '192.0.2.10', port: 80 };
const rr: ServiceConfig = { scheduler: 'rr', flags: [], timeout: 0, netmask: 32 };
const nat: DestinationConfig = {
  forward: 'masquerade',
  weight: 1,
  upperThreshold: 0,
  lowerThreshold: 0,
};

const setup = async (entriesPerDatagram = 2) => {
  const fake = createFakeIpvs();
  const kernel = createFakeNetlinkKernel(fake, { entriesPerDatagram });
  const client = (await createIpvsClient({ transport: kernel }))._unsafeUnwrap();
  return { fake, kernel, client };
};

describe('netlink IPVS client (against the fake netlink kernel)', () => {
  it('resolves the family, creates, dumps, updates and removes', async () => {
    const { client, fake } = await setup();
    expect((await client.info())._unsafeUnwrap()).toEqual({
      version: '1.2.1',
      connectionTableSize: 4096,
    });
    expect((await client.createService(web, rr)).isOk()).toBe(true);
    for (let i = 1; i <= 5; i++) {
      const id = { family: 4 as const, address: `198.51.100.${i}`, port: 8080 };
      expect((await client.createDestination(web, id, { ...nat, weight: i })).isOk()).toBe(true);
    }
    const dests = (await client.destinations(web))._unsafeUnwrap();
    expect(dests.map((d) => [d.id.address, d.config.weight])).toEqual([
      ['198.51.100.1', 1],
      ['198.51.100.2', 2],
      ['198.51.100.3', 3],
      ['198.51.100.4', 4],
      ['198.51.100.5', 5],
    ]);
    const d1 = { family: 4 as const, address: '198.51.100.1', port: 8080 };
    expect((await client.updateDestination(web, d1, { ...nat, weight: 0 })).isOk()).toBe(true);
    expect((await client.removeDestination(web, d1)).isOk()).toBe(true);
    expect((await client.updateService(web, { ...rr, scheduler: 'wrr' })).isOk()).toBe(true);
    const services = (await client.services())._unsafeUnwrap();
    expect(services.map((s) => [s.id, s.config.scheduler])).toEqual([[web, 'wrr']]);
    expect((await client.removeService(web)).isOk()).toBe(true);
    expect((await client.services())._unsafeUnwrap()).toEqual([]);
    expect(fake.writes).toBe(10);
  });

  it('changeAll: many changes per socket write, each answered, a failure does not stop the rest', async () => {
    const { client, fake, kernel } = await setup();
    const missing: ServiceId = { ...web, port: 81 };
    const dest = (i: number) => ({ family: 4 as const, address: `198.51.100.${i}`, port: 8080 });
    const changes = [
      { op: 'create-service' as const, service: web, config: rr },
      ...Array.from({ length: 100 }, (_, i) => ({
        op: 'create-destination' as const,
        service: i === 50 ? missing : web,
        destination: dest(i + 1),
        config: nat,
      })),
      { op: 'remove-destination' as const, service: web, destination: dest(2) },
    ];
    const writesBefore = kernel.sent.length;
    const answers = (await client.changeAll(changes))._unsafeUnwrap();
    expect(kernel.sent.length - writesBefore).toBe(2); // 102 requests: 64 + 38
    expect(answers.map((a, i) => (a.isErr() ? i : -1)).filter((i) => i >= 0)).toEqual([51]);
    expect(answers[51]!._unsafeUnwrapErr()).toMatchObject({ kind: 'not-found' });
    expect(answers[51]!._unsafeUnwrapErr().message).toContain('NEW_DEST tcp/192.0.2.10:81');
    const dests = (await client.destinations(web))._unsafeUnwrap().map((d) => d.id.address);
    expect(dests).toHaveLength(98);
    expect(dests).not.toContain('198.51.100.2');
    expect(dests).toContain('198.51.100.100');
    expect(fake.writes).toBe(101); // the service, 99 destinations, the removal
  });

  it('maps kernel errnos to kinds', async () => {
    const { client } = await setup();
    await client.createService(web, rr);
    const exists = (await client.createService(web, rr))._unsafeUnwrapErr();
    expect(exists).toMatchObject({ kind: 'exists', errno: 17 });
    expect(exists.message).toContain('NEW_SERVICE tcp/192.0.2.10:80');
    const other = { ...web, port: 81 };
    expect((await client.removeService(other))._unsafeUnwrapErr()).toMatchObject({
      kind: 'not-found',
      errno: 3,
    });
    expect(
      (await client.createService(other, { ...rr, scheduler: 'nosuch' }))._unsafeUnwrapErr().kind,
    ).toBe('not-found');
    const d = { family: 4 as const, address: '198.51.100.1', port: 80 };
    expect((await client.removeDestination(web, d))._unsafeUnwrapErr()).toMatchObject({
      kind: 'not-found',
      errno: 2,
    });
    expect((await client.destinations(other))._unsafeUnwrapErr().kind).toBe('not-found');
    expect(
      (await client.createService({ ...web, address: 'evil; rm' }, rr))._unsafeUnwrapErr().kind,
    ).toBe('invalid');
  });

  it('dumps many services across datagrams (multi-part) and flushes', async () => {
    const { client } = await setup(3);
    for (let port = 1; port <= 20; port++) await client.createService({ ...web, port }, rr);
    expect((await client.services())._unsafeUnwrap()).toHaveLength(20);
    expect((await client.flush()).isOk()).toBe(true);
    expect((await client.services())._unsafeUnwrap()).toHaveLength(0);
  });

  it('skips replies with a stale sequence number', async () => {
    const { client, kernel } = await setup();
    kernel.inject(
      encodeMessage({
        type: NLM.DONE,
        flags: NLM.F_MULTI,
        seq: 1,
        pid: 0,
        payload: new Uint8Array(4),
      }),
    );
    await client.createService(web, rr);
    expect((await client.services())._unsafeUnwrap()).toHaveLength(1);
  });

  it('reports unavailable when the IPVS family is missing, closed after close()', async () => {
    const kernel = createFakeNetlinkKernel(createFakeIpvs(), { noIpvs: true });
    expect((await createIpvsClient({ transport: kernel }))._unsafeUnwrapErr().kind).toBe(
      'unavailable',
    );
    const { client } = await setup();
    client.close();
    expect((await client.services())._unsafeUnwrapErr().kind).toBe('closed');
  });

  it('sends NEW_SERVICE as a request with ACK under the resolved family id', async () => {
    const { client, kernel } = await setup();
    await client.createService(web, rr);
    const last = kernel.sent.at(-1)!;
    const view = new DataView(last.buffer, last.byteOffset);
    expect(view.getUint16(4, true)).toBe(0x24);
    expect(view.getUint16(6, true)).toBe(NLM.F_REQUEST | NLM.F_ACK);
    expect(last[16]).toBe(1); // IPVS_CMD_NEW_SERVICE
  });
});
