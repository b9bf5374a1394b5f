import {
  type BackendError,
  backendError,
  type DesiredService,
  type DesiredState,
} from '@lbkit/core';
import { errAsync, type ResultAsync } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import { FakeNft } from '../testing/fake-nft.js';
import type { StaleUdpFlows } from '../transport/transport.js';
import { createNftablesBackend } from './backend.js';

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

const backendOn = (fake: FakeNft, extra: { adoptTable?: boolean } = {}) =>
  createNftablesBackend({ transport: fake, conntrack: false, ...extra })._unsafeUnwrap();

describe('nftables backend (offline, on FakeNft)', () => {
  it('replaces the table on the first apply, then sends only changes, one write per apply', async () => {
    const fake = new FakeNft();
    const backend = backendOn(fake);
    expect(backend.transport).toBe('fake');
    const services = Array.from({ length: 50 }, (_, i) => svc(`s${i}`, 1000 + i, 3));
    const first = (await backend.apply(state(...services)))._unsafeUnwrap();
    expect(first.mode).toBe('full');
    expect(fake.scripts).toHaveLength(1);
    expect(fake.scripts[0]).toMatch(
      /^add table inet lbkit \{ comment "managed by lbkit" ; \}\ndelete table inet lbkit\n/,
    );
    expect(first.changedServices).toHaveLength(50);
    const flipped = services.map((s) => (s.name === 's7' ? svc('s7', 1007, 2) : s));
    const flip = (await backend.apply(state(...flipped)))._unsafeUnwrap();
    expect(flip.mode).toBe('changes');
    expect(flip.changedServices).toEqual(['s7']);
    expect(fake.scripts).toHaveLength(2);
    expect(fake.scripts[1]).not.toMatch(/s6|s8|table/);
    expect(flip.operations).toBeLessThan(10);
    expect(flip.operations).toBeGreaterThan(0);
    const same = (await backend.apply(state(...flipped)))._unsafeUnwrap();
    expect(same).toMatchObject({ mode: 'none', operations: 0, changedServices: [], path: 'none' });
    expect(fake.scripts).toHaveLength(2);
  });

  it('falls back to a full replace when the kernel refuses an incremental change', async () => {
    const fake = new FakeNft();
    const backend = backendOn(fake);
    await backend.apply(state(svc('web', 80, 3)));
    // Someone deletes an element the next change deletes too: the change is refused.
    (
      await fake.run(
        'delete element inet lbkit flows4 { 192.0.2.10 . tcp . 80 . 198.51.100.3 . 80 }\n',
      )
    )._unsafeUnwrap();
    const report = (await backend.apply(state(svc('web', 80, 2))))._unsafeUnwrap();
    expect(report.mode).toBe('full');
    expect(report.drift[0]).toMatch(/incremental change refused/);
    expect(fake.scripts.at(-1)).toMatch(/^add table inet lbkit/);
  });

  it('after a failed apply, the next apply is full again', async () => {
    const fake = new FakeNft();
    const backend = backendOn(fake);
    await backend.apply(state(svc('web', 80, 3)));
    fake.breakWith(backendError('unavailable', 'socket gone'));
    expect((await backend.apply(state(svc('web', 80, 2))))._unsafeUnwrapErr().kind).toBe(
      'unavailable',
    );
    fake.breakWith(undefined);
    expect((await backend.apply(state(svc('web', 80, 2))))._unsafeUnwrap().mode).toBe('full');
  });

  it('rejects an unsupported scheduler before touching the kernel', async () => {
    const fake = new FakeNft();
    const backend = backendOn(fake);
    const result = await backend.apply(state({ ...svc('web', 80, 2), scheduler: 'lc' }));
    expect(result._unsafeUnwrapErr().kind).toBe('unsupported');
    expect(fake.runs).toBe(0);
  });

  it('forgets UDP flows of destinations that left, and only warns when that fails', async () => {
    class Forgetful extends FakeNft {
      fail = false;
      override forgetUdpFlows(flows: readonly StaleUdpFlows[]): ResultAsync<number, BackendError> {
        return this.fail ? errAsync(backendError('rejected', 'boom')) : super.forgetUdpFlows(flows);
      }
    }
    const fake = new Forgetful();
    const backend = createNftablesBackend({ transport: fake })._unsafeUnwrap();
    await backend.apply(state(svc('dns', 53, 3, 'udp'), svc('web', 80, 3)));
    await backend.apply(state(svc('dns', 53, 1, 'udp'), svc('web', 80, 1)));
    expect(fake.forgotten).toHaveLength(1);
    expect(fake.forgotten[0]!.map((f) => `${f.service.port} ${f.address}`)).toEqual([
      '53 198.51.100.2',
      '53 198.51.100.3',
    ]);
    fake.fail = true;
    const failed = (await backend.apply(state(svc('web', 80, 1))))._unsafeUnwrap();
    expect(failed.warnings[0]).toMatch(/conntrack cleanup: boom/);
    const quiet = new FakeNft();
    const off = createNftablesBackend({ transport: quiet, conntrack: false })._unsafeUnwrap();
    await off.apply(state(svc('dns', 53, 3, 'udp')));
    await off.apply(state(svc('dns', 53, 1, 'udp')));
    expect(quiet.forgotten).toEqual([]);
  });

  it('close deletes the table unless keep, is idempotent, and refuses work afterwards', async () => {
    const fake = new FakeNft();
    const backend = backendOn(fake);
    await backend.apply(state(svc('web', 80, 1)));
    expect((await backend.close()).isOk()).toBe(true);
    expect(fake.scripts.at(-1)).toBe('delete table inet lbkit\n');
    expect(fake.state.tables.size).toBe(0);
    expect((await backend.close()).isOk()).toBe(true);
    expect((await backend.apply(state()))._unsafeUnwrapErr().kind).toBe('closed');
    expect((await backend.read())._unsafeUnwrapErr().kind).toBe('closed');
    expect((await backend.checkDrift())._unsafeUnwrapErr().kind).toBe('closed');
    expect((await fake.probe()).isOk()).toBe(true); // a transport passed in is not ours to close
    const kept = new FakeNft();
    const other = backendOn(kept);
    await other.apply(state(svc('web', 80, 1)));
    await other.close({ keep: true });
    expect(kept.scripts).toHaveLength(1);
  });

  it('with a broken transport, close fails clearly and the table stays as last applied', async () => {
    const fake = new FakeNft();
    const backend = backendOn(fake);
    await backend.apply(state(svc('web', 80, 2)));
    const before = fake.ruleset();
    fake.breakWith(backendError('unavailable', 'netlink socket: EPERM'));
    const closed = (await backend.close())._unsafeUnwrapErr();
    expect(closed.kind).toBe('unavailable');
    expect(closed.message).toMatch(/table inet lbkit was not removed and stays as last applied/);
    expect(fake.ruleset()).toBe(before);
    expect((await backend.apply(state()))._unsafeUnwrapErr().kind).toBe('closed');
  });

  it('never modifies or deletes a table it did not create', async () => {
    const fake = new FakeNft();
    (await fake.run('add table inet lbkit\nadd chain inet lbkit ssh\n'))._unsafeUnwrap();
    const before = fake.ruleset();
    const backend = backendOn(fake);
    const refused = (await backend.apply(state(svc('web', 80, 2))))._unsafeUnwrapErr();
    expect(refused.kind).toBe('rejected');
    expect(refused.message).toMatch(/was not created by lbkit .*no comment/);
    expect((await backend.close())._unsafeUnwrapErr().message).toMatch(/not created by lbkit/);
    expect(fake.ruleset()).toBe(before);
    const adopter = backendOn(fake, { adoptTable: true });
    expect((await adopter.apply(state(svc('web', 80, 2))))._unsafeUnwrap().mode).toBe('full');
    expect(fake.state.tables.get('inet lbkit')?.comment).toBe('managed by lbkit');
  });

  it('validates its options', () => {
    expect(createNftablesBackend({ table: 'bad name' })._unsafeUnwrapErr().kind).toBe('rejected');
    expect(
      createNftablesBackend({ driftCheckInterval: -1, transport: new FakeNft() })._unsafeUnwrapErr()
        .message,
    ).toMatch(/driftCheckInterval/);
    expect(
      createNftablesBackend({ table: 'other', transport: new FakeNft() })._unsafeUnwrapErr()
        .message,
    ).toMatch(/transport acts on table lbkit/);
  });
});

describe('drift checks (offline, on FakeNft)', () => {
  const web = state(svc('web', 80, 3), svc('dns', 53, 2, 'udp'));

  const applied = async () => {
    const fake = new FakeNft();
    const backend = backendOn(fake);
    await backend.apply(web);
    return { fake, backend };
  };

  it('nothing applied: nothing to compare', async () => {
    const backend = backendOn(new FakeNft());
    expect((await backend.checkDrift())._unsafeUnwrap()).toMatchObject({
      found: [],
      method: 'none',
    });
  });

  it('costs one generation check while nobody else committed', async () => {
    const { fake, backend } = await applied();
    await backend.apply(state(svc('web', 80, 2), svc('dns', 53, 2, 'udp')));
    const check = (await backend.checkDrift())._unsafeUnwrap();
    expect(check).toMatchObject({ found: [], method: 'generation', repaired: false });
    expect(fake.runs).toBe(2);
  });

  it('reads the table after someone else committed, and finds nothing when it is intact', async () => {
    const { fake, backend } = await applied();
    (await fake.run('add table inet other\n'))._unsafeUnwrap();
    expect((await backend.checkDrift())._unsafeUnwrap()).toMatchObject({
      found: [],
      method: 'read',
    });
    expect((await backend.checkDrift())._unsafeUnwrap().method).toBe('generation');
  });

  it('spaces out whole-table reads after foreign commits; a missing table is found at once', async () => {
    const fake = new FakeNft();
    const backend = createNftablesBackend({
      transport: fake,
      conntrack: false,
      driftCheckInterval: 50,
    })._unsafeUnwrap();
    await backend.apply(web);
    (await fake.run('add table inet other\n'))._unsafeUnwrap();
    expect((await backend.checkDrift())._unsafeUnwrap().method).toBe('read');
    (await fake.run('add table inet other2\n'))._unsafeUnwrap();
    // Within the spacing: only the table's existence, flags and comment are looked at...
    expect((await backend.checkDrift())._unsafeUnwrap().method).toBe('table');
    (await fake.run('delete table inet lbkit\n'))._unsafeUnwrap();
    // ...which is enough to see a deleted table and put it back.
    const repaired = (await backend.checkDrift())._unsafeUnwrap();
    expect(repaired).toMatchObject({ repaired: true, found: ['table inet lbkit is missing'] });
    (await fake.run('add table inet other3\n'))._unsafeUnwrap();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect((await backend.checkDrift())._unsafeUnwrap().method).toBe('read');
  });

  it.each([
    ['a deleted table (flush ruleset)', 'delete table inet lbkit\n', /table inet lbkit is missing/],
    ['a dormant table', 'add table inet lbkit { flags dormant ; }\n', /is dormant/],
    [
      'a deleted element',
      'delete element inet lbkit services4 { 192.0.2.10 . tcp . 80 }\n',
      /set services4: 1 element\(s\) missing/,
    ],
    ['a flushed chain', 'flush chain inet lbkit prerouting\n', /chain prerouting: rules differ/],
    ['a foreign rule', 'add rule inet lbkit prerouting drop\n', /chain prerouting: rules differ/],
  ])('repairs %s in one transaction', async (_what, change, finding) => {
    const { fake, backend } = await applied();
    const intact = fake.ruleset();
    (await fake.run(change))._unsafeUnwrap();
    const runs = fake.runs;
    const check = (await backend.checkDrift())._unsafeUnwrap();
    expect(check.found.join('\n')).toMatch(finding);
    expect(check).toMatchObject({ repaired: true, method: 'read' });
    expect(fake.runs).toBe(runs + 1);
    expect(fake.ruleset()).toBe(intact);
    expect((await backend.checkDrift())._unsafeUnwrap()).toMatchObject({
      found: [],
      method: 'generation',
    });
  });

  it("leaves a table that became someone else's alone", async () => {
    const { fake, backend } = await applied();
    (await fake.run('delete table inet lbkit\nadd table inet lbkit\n'))._unsafeUnwrap();
    const theirs = fake.ruleset();
    expect((await backend.checkDrift())._unsafeUnwrapErr().message).toMatch(/not created by lbkit/);
    expect(fake.ruleset()).toBe(theirs);
  });
});
