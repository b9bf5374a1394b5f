import { backendError, type DesiredService, type DesiredState } from '@lbkit/core';
import { errAsync, okAsync } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import type { ConntrackCleaner, StaleUdpFlows } from '../transport/conntrack-tool.js';
import type { NftTransport } from '../transport/transport.js';
import { createNftablesBackend } from './backend.js';

/** Records scripts; reads back "no table"; can be told to refuse the next script. */
function recordingTransport() {
  const scripts: string[] = [];
  let refuseNext = false;
  let closed = false;
  const transport: NftTransport = {
    name: 'recording',
    run: (script) => {
      if (refuseNext) {
        refuseNext = false;
        return errAsync(backendError('rejected', 'Error: No such file or directory'));
      }
      scripts.push(script);
      return okAsync('');
    },
    json: () => errAsync(backendError('rejected', 'Error: No such file or directory')),
    close: () => {
      closed = true;
    },
  };
  return { transport, scripts, refuse: () => (refuseNext = true), isClosed: () => closed };
}

const svc = (
  name: string,
  port: number,
  n: number,
  protocol: 'tcp' | 'udp' = 'tcp',
): DesiredService => ({
  name,
  key: { vip: '192.0.2.10', port, protocol },
  scheduler: 'rr',
  whenEmpty: 'reject',
  persistence: 0,
  destinations: Array.from({ length: n }, (_, i) => ({
    name: `d${i + 1}`,
    address: `198.51.100.${i + 1}`,
    port,
    weight: 1,
  })),
});
const state = (...services: DesiredService[]): DesiredState => ({
  services: services.sort((a, b) => a.name.localeCompare(b.name)),
});

describe('nftables backend (offline, recording transport)', () => {
  it('replaces the table on the first apply, then sends only changes, one run() per apply', async () => {
    const rec = recordingTransport();
    const backend = createNftablesBackend({
      transport: rec.transport,
      conntrack: false,
      driftCheckInterval: 1e9,
    })._unsafeUnwrap();
    expect(backend.transport).toBe('recording');
    const services = Array.from({ length: 50 }, (_, i) => svc(`s${i}`, 1000 + i, 3));
    const first = (await backend.apply(state(...services)))._unsafeUnwrap();
    expect(first.mode).toBe('full');
    expect(rec.scripts).toHaveLength(1);
    expect(rec.scripts[0]).toMatch(/^add table inet lbkit\ndelete table inet lbkit\n/);
    expect(first.changedServices).toHaveLength(50);
    const flipped = services.map((s) => (s.name === 's7' ? svc('s7', 1007, 2) : s));
    const flip = (await backend.apply(state(...flipped)))._unsafeUnwrap();
    expect(flip.mode).toBe('changes');
    expect(flip.changedServices).toEqual(['s7']);
    expect(rec.scripts).toHaveLength(2);
    expect(rec.scripts[1]).not.toMatch(/s6|s8|table/);
    expect(flip.operations).toBeLessThan(10);
    expect(flip.operations).toBeGreaterThan(0);
    const same = (await backend.apply(state(...flipped)))._unsafeUnwrap();
    expect(same).toMatchObject({ mode: 'none', operations: 0, changedServices: [] });
    expect(rec.scripts).toHaveLength(2);
  });

  it('falls back to a full replace when an incremental change is refused', async () => {
    const rec = recordingTransport();
    const backend = createNftablesBackend({
      transport: rec.transport,
      conntrack: false,
      driftCheckInterval: 1e9,
    })._unsafeUnwrap();
    await backend.apply(state(svc('web', 80, 3)));
    rec.refuse();
    const report = (await backend.apply(state(svc('web', 80, 2))))._unsafeUnwrap();
    expect(report.mode).toBe('full');
    expect(report.drift[0]).toMatch(/incremental change refused/);
    expect(rec.scripts.at(-1)).toMatch(/^add table inet lbkit/);
  });

  it('after a failed full apply, the next apply is full again', async () => {
    const rec = recordingTransport();
    const backend = createNftablesBackend({
      transport: rec.transport,
      conntrack: false,
    })._unsafeUnwrap();
    rec.refuse();
    expect((await backend.apply(state(svc('web', 80, 3))))._unsafeUnwrapErr().kind).toBe(
      'rejected',
    );
    expect((await backend.apply(state(svc('web', 80, 3))))._unsafeUnwrap().mode).toBe('full');
  });

  it('drift check: a missing table is drift and is repaired by a full apply', async () => {
    const rec = recordingTransport();
    let clock = 0;
    const backend = createNftablesBackend({
      transport: rec.transport,
      conntrack: false,
      driftCheckInterval: 1000,
      now: () => clock,
    })._unsafeUnwrap();
    await backend.apply(state(svc('web', 80, 3)));
    clock = 500;
    expect((await backend.apply(state(svc('web', 80, 2))))._unsafeUnwrap().mode).toBe('changes');
    clock = 1500;
    const report = (await backend.apply(state(svc('web', 80, 3))))._unsafeUnwrap();
    expect(report.mode).toBe('full');
    expect(report.drift).toContain('- 192.0.2.10:80/tcp -> 198.51.100.1:80');
    expect((await backend.checkDrift())._unsafeUnwrap()).toHaveLength(3);
  });

  it('rejects an unsupported scheduler before touching the kernel', async () => {
    const rec = recordingTransport();
    const backend = createNftablesBackend({
      transport: rec.transport,
      conntrack: false,
    })._unsafeUnwrap();
    const result = await backend.apply(state({ ...svc('web', 80, 2), scheduler: 'lc' }));
    expect(result._unsafeUnwrapErr().kind).toBe('unsupported');
    expect(rec.scripts).toHaveLength(0);
  });

  it('cleans conntrack for UDP destinations that left, and only warns when that fails', async () => {
    const rec = recordingTransport();
    const calls: StaleUdpFlows[][] = [];
    let fail = false;
    const conntrack: ConntrackCleaner = {
      name: 'fake',
      deleteUdpFlows: (flows) => {
        calls.push([...flows]);
        return fail ? errAsync(backendError('rejected', 'boom')) : okAsync(flows.length * 2);
      },
    };
    const backend = createNftablesBackend({
      transport: rec.transport,
      conntrack,
      driftCheckInterval: 1e9,
    })._unsafeUnwrap();
    await backend.apply(state(svc('dns', 53, 3, 'udp'), svc('web', 80, 3)));
    const report = (
      await backend.apply(state(svc('dns', 53, 1, 'udp'), svc('web', 80, 1)))
    )._unsafeUnwrap();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.map((f) => `${f.service.port} ${f.address}`)).toEqual([
      '53 198.51.100.2',
      '53 198.51.100.3',
    ]);
    expect(report.conntrackDeleted).toBe(4);
    fail = true;
    const failed = (await backend.apply(state(svc('web', 80, 1))))._unsafeUnwrap();
    expect(failed.warnings[0]).toMatch(/conntrack cleanup: boom/);
  });

  it('close deletes the table unless keep, is idempotent, and refuses work afterwards', async () => {
    const rec = recordingTransport();
    const backend = createNftablesBackend({
      transport: rec.transport,
      conntrack: false,
    })._unsafeUnwrap();
    await backend.apply(state(svc('web', 80, 1)));
    expect((await backend.close()).isOk()).toBe(true);
    expect(rec.scripts.at(-1)).toBe('delete table inet lbkit\n');
    expect((await backend.close()).isOk()).toBe(true);
    expect((await backend.apply(state()))._unsafeUnwrapErr().kind).toBe('closed');
    expect((await backend.read())._unsafeUnwrapErr().kind).toBe('closed');
    expect(rec.isClosed()).toBe(false); // a transport passed in is not ours to close
    const kept = recordingTransport();
    const other = createNftablesBackend({
      transport: kept.transport,
      conntrack: false,
    })._unsafeUnwrap();
    await other.apply(state(svc('web', 80, 1)));
    await other.close({ keep: true });
    expect(kept.scripts).toHaveLength(1);
  });

  it('validates its options', () => {
    expect(createNftablesBackend({ table: 'bad name' })._unsafeUnwrapErr().kind).toBe('rejected');
    expect(
      createNftablesBackend({
        driftCheckInterval: -1,
        transport: recordingTransport().transport,
      })._unsafeUnwrapErr().message,
    ).toMatch(/driftCheckInterval/);
  });
});
