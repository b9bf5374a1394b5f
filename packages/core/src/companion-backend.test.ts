import { errAsync, okAsync } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import { type Backend, backendError, type DriftReport } from './backend.js';
import { withCompanion } from './companion-backend.js';
import type { DesiredState } from './desired.js';
import { createFakeBackend } from './testing/fake-backend.js';

const state = (names: readonly string[]): DesiredState => ({
  services: names.map((name, i) => ({
    name,
    key: { vip: '192.0.2.10', port: 80 + i, protocol: 'tcp' },
    scheduler: 'wlc',
    whenEmpty: 'reject',
    persistence: 0,
    destinations: [{ name: 'a', address: '198.51.100.11', port: 80, weight: 1 }],
  })),
});

const drifting = (name: string, interval: number, calls: string[]): Backend => ({
  ...createFakeBackend(),
  name,
  driftCheckIntervalMs: interval,
  checkDrift: () => {
    calls.push(name);
    const report: DriftReport = {
      found: [`${name} drifted`],
      repaired: name === 'b',
      method: 'read',
      durationMs: 1,
    };
    return okAsync(report);
  },
});

describe('withCompanion', () => {
  it('applies the companion first (its own view of the state), then the primary', async () => {
    const primary = createFakeBackend();
    const companion = createFakeBackend();
    const order: string[] = [];
    const logged = (name: string, b: Backend): Backend => ({
      ...b,
      apply: (d) => {
        order.push(name);
        return b.apply(d);
      },
    });
    const both = withCompanion(logged('primary', primary), logged('companion', companion), {
      desiredForCompanion: (d) => ({
        services: d.services.map((s) => ({ ...s, scheduler: 'rr' })),
      }),
    });
    const report = (await both.apply(state(['web', 'api'])))._unsafeUnwrap();
    expect(order).toEqual(['companion', 'primary']);
    expect(report.operations).toBe(4);
    expect([...primary.kernel.services.values()].map((s) => s.scheduler)).toEqual(['wlc', 'wlc']);
    expect([...companion.kernel.services.values()].map((s) => s.scheduler)).toEqual(['rr', 'rr']);
    expect(both.name).toBe('fake+fake');
    expect((await both.read())._unsafeUnwrap().services).toHaveLength(2);
  });

  it('does not touch the primary when the companion fails', async () => {
    const primary = createFakeBackend();
    const companion = createFakeBackend({
      failNext: () => backendError('rejected', 'no snat'),
    });
    const both = withCompanion(primary, companion);
    const result = await both.apply(state(['web']));
    expect(result._unsafeUnwrapErr().message).toBe('no snat');
    expect(primary.applied).toHaveLength(0);
  });

  it('returns the primary failure as it is', async () => {
    const primary = createFakeBackend({ failNext: () => backendError('partial', 'half') });
    const both = withCompanion(primary, createFakeBackend());
    expect((await both.apply(state(['web'])))._unsafeUnwrapErr().kind).toBe('partial');
  });

  it('keeps warnings of both', async () => {
    const warn = (text: string, b: Backend): Backend => ({
      ...b,
      apply: (d) => b.apply(d).map((r) => ({ ...r, warnings: [text] })),
    });
    const both = withCompanion(warn('p', createFakeBackend()), warn('c', createFakeBackend()));
    expect((await both.apply(state(['web'])))._unsafeUnwrap().warnings).toEqual(['p', 'c']);
  });

  it('checks drift of each at its own interval, called at the shorter one', async () => {
    const calls: string[] = [];
    let now = 0;
    const both = withCompanion(drifting('a', 5000, calls), drifting('b', 1000, calls), {
      now: () => now,
    });
    expect(both.driftCheckIntervalMs).toBe(1000);
    const reports: DriftReport[] = [];
    for (let i = 0; i < 11; i++) {
      reports.push((await both.checkDrift!())._unsafeUnwrap());
      now += 1000;
    }
    expect(calls.filter((c) => c === 'a')).toHaveLength(3); // at 0, 5 s, 10 s
    expect(calls.filter((c) => c === 'b')).toHaveLength(11);
    expect(reports[0]).toMatchObject({ found: ['a drifted', 'b drifted'], repaired: true });
    expect(reports[1]).toMatchObject({ found: ['b drifted'], repaired: true });
  });

  it('has no drift check when neither has one, and closes both', async () => {
    const primary = createFakeBackend();
    const companion = createFakeBackend();
    const both = withCompanion(primary, companion);
    expect(both.checkDrift).toBeUndefined();
    expect(both.countFlows).toBeDefined();
    (await both.close())._unsafeUnwrap();
    expect(primary.closed && companion.closed).toBe(true);
  });

  it('closes the companion also when the primary fails to close, and says so', async () => {
    const companion = createFakeBackend();
    const primary = { ...createFakeBackend(), close: () => errAsync(backendError('busy', 'x')) };
    const both = withCompanion(primary, companion);
    expect((await both.close())._unsafeUnwrapErr().kind).toBe('busy');
    expect(companion.closed).toBe(true);
  });
});
