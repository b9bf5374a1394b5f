import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DesiredService, DesiredState } from '@lbkit/core';
import { createPlannedStates, modelService, runBackendConformance } from '@lbkit/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createIpvsClient } from '../client/netlink-client.js';
import { createFakeIpvs, type FakeIpvs } from '../testing/fake-ipvs.js';
import { createFakeLinkTable } from '../testing/fake-link-table.js';
import { createFakeNetlinkKernel } from '../testing/fake-netlink-kernel.js';
import { parseIpvsadmList } from '../testing/ipvsadm.js';
import { createIpvsBackend } from './ipvs-backend.js';
import { createFileOwnershipStore, createMemoryOwnershipStore } from './ownership.js';

// Read back through a reader that is not the writer's code: the fake's own
// tables printed as `ipvsadm -Ln`, parsed by the parser the VM tests use on
// the real ipvsadm.
runBackendConformance({
  name: 'ipvs (FakeIpvs, read back as ipvsadm -Ln)',
  setup: () => {
    const fake = createFakeIpvs();
    const ownership = createMemoryOwnershipStore();
    return {
      create: () => createIpvsBackend({ client: fake.reopen(), ownership }),
      read: async () => parseIpvsadmList(fake.listing()),
    };
  },
});

runBackendConformance({
  name: 'ipvs (netlink client over the fake netlink kernel, read back as ipvsadm -Ln)',
  setup: () => {
    const fake = createFakeIpvs();
    const ownership = createMemoryOwnershipStore();
    const client = async () =>
      (
        await createIpvsClient({ transport: createFakeNetlinkKernel(fake.reopen()) })
      )._unsafeUnwrap();
    return {
      create: async () => createIpvsBackend({ client: await client(), ownership }),
      read: async () => parseIpvsadmList(fake.listing()),
    };
  },
});

const service = (
  name: string,
  port: number,
  dests: number[],
  extra: Partial<DesiredService> = {},
): DesiredService => ({
  name,
  key: { vip: '192.0.2.10', port, protocol: 'tcp' },
  scheduler: 'rr',
  whenEmpty: 'reject',
  persistence: 0,
  destinations: dests.map((n) => ({ name: `d${n}`, address: `198.51.100.${n}`, port, weight: 1 })),
  ...extra,
});
const state = (...services: DesiredService[]): DesiredState => ({ services });

describe('IPVS backend', () => {
  it('never touches a service it did not create, and refuses to take one over', async () => {
    const fake = createFakeIpvs();
    const foreign = {
      family: 4 as const,
      protocol: 'tcp' as const,
      address: '192.0.2.99',
      port: 22,
    };
    await fake.createService(foreign, { scheduler: 'wlc', flags: [], timeout: 0, netmask: 32 });
    const backend = createIpvsBackend({
      client: fake.reopen(),
      ownership: createMemoryOwnershipStore(),
    });
    expect((await backend.apply(state(service('web', 80, [1, 2])))).isOk()).toBe(true);
    expect((await backend.apply(state())).isOk()).toBe(true);
    expect((await fake.services())._unsafeUnwrap().map((s) => s.id)).toEqual([foreign]);
    const clash = service('ssh', 22, [1], {
      key: { vip: '192.0.2.99', port: 22, protocol: 'tcp' },
    });
    const refused = await backend.apply(state(clash));
    expect(refused._unsafeUnwrapErr().kind).toBe('rejected');
    expect((await fake.services())._unsafeUnwrap()[0]!.config.scheduler).toBe('wlc');
    const adopting = createIpvsBackend({
      client: fake.reopen(),
      ownership: createMemoryOwnershipStore(),
      adoptExisting: true,
    });
    expect((await adopting.apply(state(clash))).isOk()).toBe(true);
    expect((await fake.services())._unsafeUnwrap()[0]!.config.scheduler).toBe('rr');
  });

  it('reports a partial failure with what was and was not done, and repairs on the next apply', async () => {
    let failing = true;
    const fake = createFakeIpvs({
      fail: (call) =>
        failing &&
        call.method === 'createDestination' &&
        call.destination?.address === '198.51.100.2'
          ? { kind: 'kernel', message: 'ENOMEM', errno: 12 }
          : undefined,
    });
    const backend = createIpvsBackend({ client: fake, ownership: createMemoryOwnershipStore() });
    const desired = state(service('web', 80, [1, 2, 3]));
    const error = (await backend.apply(desired))._unsafeUnwrapErr();
    expect(error.kind).toBe('partial');
    // The ops go to the kernel together and it runs each: the one after the failure too.
    expect(error.message).toMatch(/^3 of 4 IPVS operations applied; /);
    expect(error.done).toEqual([
      'create-service tcp/192.0.2.10:80 rr',
      'create-destination tcp/192.0.2.10:80 198.51.100.1:80 w1',
      'create-destination tcp/192.0.2.10:80 198.51.100.3:80 w1',
    ]);
    expect(error.notDone).toEqual(['create-destination tcp/192.0.2.10:80 198.51.100.2:80 w1']);
    failing = false;
    const report = (await backend.apply(desired))._unsafeUnwrap();
    expect(report.operations).toBe(1);
    expect((await backend.apply(desired))._unsafeUnwrap().operations).toBe(0);
  });

  it('between drift checks a flip costs exactly its own request, whatever the number of services', async () => {
    let clock = 0;
    const fake = createFakeIpvs();
    const backend = createIpvsBackend({
      client: fake,
      ownership: createMemoryOwnershipStore(),
      now: () => clock,
    });
    const many = Array.from({ length: 50 }, (_, i) => service(`s${i}`, 1000 + i, [1, 2]));
    await backend.apply(state(service('web', 80, [1, 2]), ...many));
    let before = fake.calls.length;
    expect(
      (await backend.apply(state(service('web', 80, [1]), ...many)))._unsafeUnwrap().operations,
    ).toBe(1);
    expect(fake.calls.slice(before).map((c) => c.method)).toEqual(['removeDestination']);
    // A drift check is due: the kernel is read again (service list; remembered destinations).
    clock += 10_000;
    before = fake.calls.length;
    await backend.apply(state(service('web', 80, [1, 2]), ...many));
    expect(fake.calls.slice(before).map((c) => c.method)).toEqual([
      'services',
      'createDestination',
    ]);
  });

  it('remembers what it set: with driftCheckInterval 0 a flip costs one service dump and one op; verifyDestinations re-reads', async () => {
    const fake = createFakeIpvs();
    const backend = createIpvsBackend({
      client: fake,
      ownership: createMemoryOwnershipStore(),
      driftCheckInterval: 0,
    });
    await backend.apply(state(service('web', 80, [1, 2]), service('mail', 25, [1])));
    const before = fake.calls.length;
    const report = (
      await backend.apply(state(service('web', 80, [1]), service('mail', 25, [1])))
    )._unsafeUnwrap();
    expect(report.operations).toBe(1);
    expect(fake.calls.slice(before).map((c) => c.method)).toEqual([
      'services',
      'removeDestination',
    ]);
    // Someone else removes a real server: the memory does not see it...
    const web = { family: 4 as const, protocol: 'tcp' as const, address: '192.0.2.10', port: 80 };
    await fake.removeDestination(web, { family: 4, address: '198.51.100.1', port: 80 });
    expect(
      (
        await backend.apply(state(service('web', 80, [1]), service('mail', 25, [1])))
      )._unsafeUnwrap().operations,
    ).toBe(0);
    // ...a verifying backend does, and repairs it.
    const verifying = createIpvsBackend({
      client: fake.reopen(),
      ownership: createMemoryOwnershipStore(),
      verifyDestinations: true,
      adoptExisting: true,
    });
    expect(
      (
        await verifying.apply(state(service('web', 80, [1]), service('mail', 25, [1])))
      )._unsafeUnwrap().operations,
    ).toBe(1);
  });

  it('maps schedulers, flags, persistence, forwarding and thresholds', async () => {
    const fake = createFakeIpvs();
    const backend = createIpvsBackend({
      client: fake,
      ownership: createMemoryOwnershipStore(),
      forward: 'route',
      hashFlags: { fallback: true, port: true },
      thresholds: { upper: 100, lower: 10 },
      persistenceNetmask: { v4: 24 },
    });
    await backend.apply(state(service('web', 80, [1], { scheduler: 'sh', persistence: 300 })));
    const [svc] = (await fake.services())._unsafeUnwrap();
    expect(svc!.config).toEqual({
      scheduler: 'sh',
      flags: ['persistent', 'sched-1', 'sched-2'],
      timeout: 300,
      netmask: 24,
    });
    const [dest] = (await fake.destinations(svc!.id))._unsafeUnwrap();
    expect(dest!.config).toEqual({
      forward: 'route',
      weight: 1,
      upperThreshold: 100,
      lowerThreshold: 10,
    });
    expect(
      (
        await backend.apply(state(service('web', 80, [1], { scheduler: 'random' })))
      )._unsafeUnwrapErr().kind,
    ).toBe('unsupported');
  });

  it("a service's own forward (the config's) picks the method; forwardByService still wins", async () => {
    const fake = createFakeIpvs();
    const backend = createIpvsBackend({
      client: fake,
      ownership: createMemoryOwnershipStore(),
      forwardByService: { mail: 'masquerade' },
    });
    const forwarded = async (): Promise<Record<number, string>> => {
      const out: Record<number, string> = {};
      for (const svc of (await fake.services())._unsafeUnwrap()) {
        const [dest] = (await fake.destinations(svc.id))._unsafeUnwrap();
        out['port' in svc.id ? svc.id.port : 0] = dest!.config.forward;
      }
      return out;
    };
    await backend.apply(
      state(
        { ...service('web', 80, [1]), forward: 'route' },
        { ...service('mail', 25, [1]), forward: 'route' },
        { ...service('dns', 53, [1]), forward: 'tunnel' },
        { ...service('ntp', 123, [1]), forward: 'nat' },
      ),
    );
    expect(await forwarded()).toEqual({
      80: 'route',
      25: 'masquerade',
      53: 'tunnel',
      123: 'masquerade',
    });
  });

  it('zeroWeight remove takes drained destinations out', async () => {
    const fake = createFakeIpvs();
    const backend = createIpvsBackend({
      client: fake,
      ownership: createMemoryOwnershipStore(),
      zeroWeight: 'remove',
    });
    expect(backend.capabilities.keepsDrained).toBe(false);
    const s = service('web', 80, [1, 2]);
    await backend.apply(
      state({ ...s, destinations: [s.destinations[0]!, { ...s.destinations[1]!, weight: 0 }] }),
    );
    const [svc] = (await fake.services())._unsafeUnwrap();
    expect((await fake.destinations(svc!.id))._unsafeUnwrap().map((d) => d.id.address)).toEqual([
      '198.51.100.1',
    ]);
  });

  it('keeps ownership in a state file: a restarted backend adopts and cleans up its own services', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lbkv-'));
    try {
      const file = join(dir, 'ipvs-test.json');
      const fake: FakeIpvs = createFakeIpvs();
      const first = createIpvsBackend({
        client: fake.reopen(),
        ownership: createFileOwnershipStore(file),
      });
      await first.apply(state(service('web', 80, [1]), service('mail', 25, [1])));
      expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
        version: 1,
        services: { 'tcp/192.0.2.10:25': 'mail', 'tcp/192.0.2.10:80': 'web' },
      });
      await first.close({ keep: true });
      const second = createIpvsBackend({
        client: fake.reopen(),
        ownership: createFileOwnershipStore(file),
      });
      const observed = (await second.read())._unsafeUnwrap();
      expect(observed.services.map((s) => s.name).sort()).toEqual(['mail', 'web']);
      await second.apply(state(service('web', 80, [1])));
      expect((await fake.services())._unsafeUnwrap()).toHaveLength(1);
      expect((await second.close()).isOk()).toBe(true);
      expect((await fake.services())._unsafeUnwrap()).toHaveLength(0);
      await expect(readFile(file, 'utf8')).rejects.toThrow();
      expect((await second.apply(state()))._unsafeUnwrapErr().kind).toBe('closed');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('drift check: puts back what someone removed, and finds nothing when in sync', async () => {
    const fake = createFakeIpvs();
    const backend = createIpvsBackend({
      client: fake.reopen(),
      ownership: createMemoryOwnershipStore(),
    });
    expect(backend.driftCheckIntervalMs).toBe(5000);
    expect((await backend.checkDrift!())._unsafeUnwrap()).toMatchObject({
      found: [],
      method: 'none',
    });
    const desired = state(service('web', 80, [1, 2]), service('mail', 25, [1]));
    await backend.apply(desired);
    expect((await backend.checkDrift!())._unsafeUnwrap()).toMatchObject({
      found: [],
      method: 'read',
    });
    const listed = fake.listing();
    // ipvsadm -C, then a real server removed by hand.
    await fake.flush();
    const cleared = (await backend.checkDrift!())._unsafeUnwrap();
    expect(cleared).toMatchObject({ repaired: true, method: 'read' });
    expect(cleared.found).toContain('create-service tcp/192.0.2.10:80 rr');
    expect(fake.listing()).toBe(listed);
    const web = { family: 4 as const, protocol: 'tcp' as const, address: '192.0.2.10', port: 80 };
    await fake.removeDestination(web, { family: 4, address: '198.51.100.2', port: 80 });
    expect((await backend.checkDrift!())._unsafeUnwrap().found).toEqual([
      'create-destination tcp/192.0.2.10:80 198.51.100.2:80 w1',
    ]);
    expect(fake.listing()).toBe(listed);
  });

  it("one daemon per instance: a second one is busy, and cannot remove the first one's services", async () => {
    const fake = createFakeIpvs();
    const ownership = createMemoryOwnershipStore();
    const instance = `lock-test-${process.pid}`;
    const first = createIpvsBackend({ client: fake.reopen(), ownership, instance, lock: true });
    const second = createIpvsBackend({ client: fake.reopen(), ownership, instance, lock: true });
    await first.apply(state(service('web', 80, [1])));
    const busy = (await second.apply(state()))._unsafeUnwrapErr();
    expect(busy.kind).toBe('busy');
    expect(busy.message).toMatch(
      new RegExp(`IPVS instance ${instance} is managed by another lbkit \\(pid ${process.pid}\\)`),
    );
    expect((await second.close())._unsafeUnwrapErr().kind).toBe('busy');
    expect((await fake.services())._unsafeUnwrap()).toHaveLength(1);
    (await first.close())._unsafeUnwrap();
    const third = createIpvsBackend({ client: fake.reopen(), ownership, instance, lock: true });
    expect((await third.apply(state(service('web', 80, [1])))).isOk()).toBe(true);
    (await third.close())._unsafeUnwrap();
  });
});

/** The fake's tables as ipvsadm prints them, destinations sorted (the kernel lists them in insertion order). */
const tables = (fake: FakeIpvs) =>
  parseIpvsadmList(fake.listing()).services.map((s) => ({
    ...s,
    destinations: [...s.destinations].sort((a, b) => (a.address < b.address ? -1 : 1)),
  }));

describe('IPVS backend: states derived by replan()', () => {
  /** `n` core services x 3 weighted destinations, planned as the balancer plans them. */
  const world = (n: number) =>
    createPlannedStates(
      Array.from({ length: n }, (_, i) =>
        modelService(
          `s${String(i).padStart(3, '0')}`,
          { vip: '192.0.2.10', port: 1000 + i, protocol: 'tcp' },
          [1, 2, 3].map((d) => ({
            name: `d${d}`,
            address: `198.51.100.${d}`,
            port: 80,
            weight: d,
          })),
          { scheduler: 'wrr', downAction: i % 2 === 0 ? 'remove' : 'drain' },
        ),
      ),
    );
  const down = (service: string, destination: string, up = false) => [
    { service, destination, health: up ? ('up' as const) : ('down' as const) },
  ];

  it('a flip costs its own request only, and the kernel ends as a full apply of the same state would leave it', async () => {
    const w = world(200);
    const fake = createFakeIpvs();
    const backend = createIpvsBackend({ client: fake, ownership: createMemoryOwnershipStore() });
    (await backend.apply(w.state))._unsafeUnwrap();
    const before = fake.calls.length;
    const flipped = w.change(down('s120', 'd2'));
    expect((await backend.apply(flipped))._unsafeUnwrap()).toMatchObject({
      operations: 1,
      changedServices: ['s120'],
    });
    expect(fake.calls.slice(before).map((c) => c.method)).toEqual(['removeDestination']);
    const fresh = createFakeIpvs();
    const full = createIpvsBackend({ client: fresh, ownership: createMemoryOwnershipStore() });
    (await full.apply({ services: [...flipped.services] }))._unsafeUnwrap();
    expect(tables(fake)).toEqual(tables(fresh));
  });

  it('random flips: after each apply the kernel equals a full apply of the same state', async () => {
    const flip = fc.record({
      service: fc.integer({ min: 0, max: 9 }),
      dest: fc.constantFrom('d1', 'd2', 'd3'),
      up: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(flip, { minLength: 1, maxLength: 15 }), async (flips) => {
        const w = world(10);
        const fake = createFakeIpvs();
        const backend = createIpvsBackend({
          client: fake,
          ownership: createMemoryOwnershipStore(),
        });
        (await backend.apply(w.state))._unsafeUnwrap();
        for (const f of flips) {
          const next = w.change(down(`s00${f.service}`, f.dest, f.up));
          (await backend.apply(next))._unsafeUnwrap();
          const fresh = createFakeIpvs();
          const full = createIpvsBackend({
            client: fresh,
            ownership: createMemoryOwnershipStore(),
          });
          (await full.apply({ services: [...next.services] }))._unsafeUnwrap();
          expect(tables(fake)).toEqual(tables(fresh));
        }
      }),
      { numRuns: 50 },
    );
  });
});

describe('IPVS backend: holdVips', () => {
  const NAME = 'lbkit-vips0';
  /** A FakeIpvs and a fake link table logging into one list, in call order. */
  const setup = (extra: Partial<Parameters<typeof createIpvsBackend>[0]> = {}) => {
    const log: string[] = [];
    const fake = createFakeIpvs({
      fail: (call) => {
        log.push(call.method);
        return undefined;
      },
    });
    const table = createFakeLinkTable(log);
    const backend = createIpvsBackend({
      client: fake,
      ownership: createMemoryOwnershipStore(),
      holdVips: { interface: NAME },
      linkTable: table,
      ...extra,
    });
    return { log, fake, table, backend };
  };
  const other = (name: string, port: number, vip: string, dests: number[]) =>
    service(name, port, dests, { key: { vip, port, protocol: 'tcp' } });

  it('addresses go on before the services are added and come off after they are removed', async () => {
    const { log, table, backend } = setup();
    const report = (
      await backend.apply(state(service('web', 80, [1]), other('dns', 53, '192.0.2.53', [2])))
    )._unsafeUnwrap();
    expect(report.operations).toBe(6);
    expect(log).toEqual([
      'services',
      `ensureDummy ${NAME}`,
      'list',
      `add 192.0.2.10/32 dev ${NAME}`,
      `add 192.0.2.53/32 dev ${NAME}`,
      'createService',
      'createService',
      'createDestination',
      'createDestination',
    ]);
    log.length = 0;
    await backend.apply(state(service('web', 80, [1])));
    expect(log).toEqual([
      `ensureDummy ${NAME}`,
      'list',
      'removeService',
      `del 192.0.2.53/32 dev ${NAME}`,
    ]);
    expect(table.addressesOf(NAME)).toEqual(['192.0.2.10']);
  });

  it('a flip (same VIPs) sends no rtnetlink request and costs its one IPVS op', async () => {
    const { log, backend } = setup();
    await backend.apply(state(service('web', 80, [1, 2]), service('mail', 25, [1])));
    log.length = 0;
    const flip = (
      await backend.apply(state(service('web', 80, [1]), service('mail', 25, [1])))
    )._unsafeUnwrap();
    expect(flip.operations).toBe(1);
    expect(log).toEqual(['removeDestination']);
  });

  it('held VIPs never give the not-local warning', async () => {
    // checkVips on, over an address table where nothing is local: not consulted.
    const empty = createFakeLinkTable();
    const { backend } = setup({ checkVips: true, addressTable: empty });
    const report = (await backend.apply(state(service('web', 80, [1]))))._unsafeUnwrap();
    expect(report.warnings).toBeUndefined();
    expect(empty.log).toEqual([]);
    // The same check without holdVips warns: the test can fail.
    const plain = createIpvsBackend({
      client: createFakeIpvs(),
      ownership: createMemoryOwnershipStore(),
      checkVips: true,
      addressTable: empty,
    });
    expect((await plain.apply(state(service('web', 80, [1]))))._unsafeUnwrap().warnings).toEqual([
      expect.stringMatching(/^VIP 192\.0\.2\.10 is not a local address/),
    ]);
  });

  it('an invalid interface name is rejected before anything is sent', async () => {
    for (const name of ['', '..', 'much-too-long-name', 'eth0:1']) {
      const { log, backend } = setup({ holdVips: { interface: name } });
      const refused = (await backend.apply(state(service('web', 80, [1]))))._unsafeUnwrapErr();
      expect(refused.kind).toBe('rejected');
      expect(refused.message).toMatch(/^holdVips\.interface: invalid link name/);
      expect(log).toEqual([]);
    }
  });

  it('an interface of that name that is not a dummy: rejected, nothing touched', async () => {
    const { log, fake, table, backend } = setup();
    table.addLink(NAME, 'veth');
    table.addRaw(NAME, Uint8Array.of(198, 51, 100, 7));
    const refused = (await backend.apply(state(service('web', 80, [1]))))._unsafeUnwrapErr();
    expect(refused.kind).toBe('rejected');
    expect(refused.message).toMatch(/exists and is a veth link, not a dummy/);
    expect(fake.writes).toBe(0);
    expect(table.addressesOf(NAME)).toEqual(['198.51.100.7']);
    expect(log.filter((e) => /^(add|del) /.test(e))).toEqual([]);
    // close() removes nothing of it either.
    expect((await backend.close()).isErr()).toBe(true);
    expect(table.addressesOf(NAME)).toEqual(['198.51.100.7']);
  });

  it('close({ keep: false }) deletes the link after the services; keep: true leaves it', async () => {
    const first = setup();
    await first.backend.apply(state(service('web', 80, [1])));
    first.log.length = 0;
    (await first.backend.close())._unsafeUnwrap();
    expect(first.log).toEqual([
      'services',
      'removeService',
      `findLink ${NAME}`,
      `RTM_DELLINK ${NAME}`,
    ]);
    expect(first.table.addressesOf(NAME)).toBeUndefined();
    expect(first.table.closed).toBe(true);
    const second = setup();
    await second.backend.apply(state(service('web', 80, [1])));
    (await second.backend.close({ keep: true }))._unsafeUnwrap();
    expect(second.table.addressesOf(NAME)).toEqual(['192.0.2.10']);
    expect(second.table.closed).toBe(true);
  });
});
