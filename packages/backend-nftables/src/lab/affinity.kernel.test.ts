import type { ChildProcess } from 'node:child_process';
import type { DesiredDestination, DesiredService, DesiredState } from '@lbkit/core';
import { LAB } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNftablesBackend } from '../backend/backend.js';
import type { NftablesBackend } from '../backend/backend-types.js';
import { kernelSkip } from './kernel-env.js';
import { createTrafficLab, type LoadResult, type TrafficLab } from './traffic-lab.js';

const skip = kernelSkip(['nft']);

/** Persistence of every service here (seconds), and the margin past it. */
const PERSISTENCE_S = 2;
const MARGIN_MS = 500;

const dest = (i: number, port: number): DesiredDestination => ({
  name: `s${i}`,
  address: LAB.server(i),
  port,
  weight: 1,
});
/** A TCP rr service with persistence on its own port (a new rule: numgen starts at slot 0). */
const sticky = (port: number, servers: readonly number[]): DesiredService => ({
  name: `web${port}`,
  key: { vip: LAB.vip, port, protocol: 'tcp' },
  scheduler: 'rr',
  whenEmpty: 'reject',
  persistence: PERSISTENCE_S,
  destinations: servers.map((i) => dest(i, port)),
});
const state = (...services: DesiredService[]): DesiredState => ({
  services: services.sort((a, b) => a.name.localeCompare(b.name)),
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The one server a source reached in a run (fails when it reached several). */
const serverOf = (r: LoadResult, source: string): string => {
  const servers = Object.keys(r.bySource[source] ?? {});
  expect(servers, `${source} reached ${servers.join(', ')}`).toHaveLength(1);
  return servers[0]!;
};
const endOf = (r: LoadResult): number => r.startedAt + r.elapsedMs;

describe.skipIf(skip)(
  `persistence (client affinity) with real traffic${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let lab: TrafficLab;
    let backend: NftablesBackend;
    let servers: ChildProcess[] = [];
    let sources: string[] = [];
    const apply = async (desired: DesiredState) => (await backend.apply(desired))._unsafeUnwrap();
    const tcp = (port: number, count: number, from?: readonly string[]) =>
      lab.client({
        mode: 'tcp',
        host: LAB.vip,
        port,
        count,
        ...(from ? { sources: from } : {}),
      });
    /** A drift check that reads the whole table (a check reads at most every 10x its last read's time). */
    const fullCheck = async () => {
      for (let i = 0; i < 30; i++) {
        await sleep(50);
        const check = (await backend.checkDrift())._unsafeUnwrap();
        if (check.method === 'read') return check;
      }
      throw new Error('no whole-table drift check within 1.5 s');
    };
    const nft = async (...args: string[]) => (await lab.lab.exec('lb', ['nft', ...args])).stdout;

    beforeAll(async () => {
      lab = await createTrafficLab('lbkn', 3);
      servers = await lab.startNameServers([81, 82, 83, 84]);
      sources = await lab.addClientSources(12);
      backend = createNftablesBackend({ netns: lab.lbNs, driftCheckInterval: 0 })._unsafeUnwrap();
    });
    afterAll(async () => {
      await backend?.close();
      await lab?.destroy();
    });

    it('one client sticks to one server; twelve clients spread 4/4/4 and each sticks', async () => {
      await apply(state(sticky(81, [1, 2, 3])));
      const one = await tcp(81, 30, [sources[0]!]);
      expect(one.failures).toBe(0);
      expect(Object.values(one.counts)).toEqual([30]);
      await apply(state(sticky(81, [1, 2, 3]), sticky(82, [1, 2, 3])));
      const spread = await tcp(82, 36, sources);
      expect(spread.failures).toBe(0);
      for (const s of sources) expect(spread.bySource[s]?.[serverOf(spread, s)]).toBe(3);
      // The first connection of each client is placed by rr (12 picks), the others are sticky.
      expect(spread.counts).toEqual({ s1: 12, s2: 12, s3: 12 });
      const filled = await nft('list', 'set', 'inet', 'lbkit', 'aff5_web82_s1');
      expect(filled).toMatch(/elements = \{/);
      console.log(
        `persistence ${PERSISTENCE_S} s, rr over 3: 30/30 connections of one client on ${Object.keys(one.counts)[0]}; ` +
          `12 clients x 3 connections: ${JSON.stringify(spread.counts)}, each client 3/3 on one server`,
      );
    });

    it('a client moves after the timeout (rr moves it), and not before', async () => {
      await apply(state(sticky(83, [1, 2, 3])));
      const client = [sources[1]!];
      const first = await tcp(83, 3, client);
      const home = serverOf(first, client[0]!);
      expect(home).toBe('s1'); // a new rule: the first pick is slot 0
      // Idle less than the timeout: still there (and the new connection refreshes it).
      const early = await tcp(83, 1, client);
      const earlyIdle = early.startedAt - endOf(first);
      if (earlyIdle < PERSISTENCE_S * 1000 - 200) expect(serverOf(early, client[0]!)).toBe(home);
      await sleep(PERSISTENCE_S * 1000 + MARGIN_MS);
      const late = await tcp(83, 3, client);
      const lateIdle = late.startedAt - endOf(early);
      expect(lateIdle).toBeGreaterThanOrEqual(PERSISTENCE_S * 1000 + MARGIN_MS);
      const moved = serverOf(late, client[0]!);
      // The next rr pick is slot 1: another server, and sticky again from there.
      expect(moved).not.toBe(home);
      expect(late.bySource[client[0]!]?.[moved]).toBe(3);
      console.log(
        `timeout ${PERSISTENCE_S} s: after ${Math.round(earlyIdle)} ms idle still on ${home}; ` +
          `after ${Math.round(lateIdle)} ms idle moved to ${moved} (3/3 there)`,
      );
    });

    it('a flip is one transaction: clients of surviving servers stay, those of the removed one move at once', async () => {
      await apply(state(sticky(84, [1, 2, 3])));
      const six = sources.slice(0, 6);
      const before = await tcp(84, 6, six);
      const placed = new Map(six.map((s) => [s, serverOf(before, s)]));
      expect(new Set(placed.values())).toEqual(new Set(['s1', 's2', 's3']));
      const t0 = performance.now();
      const report = await apply(state(sticky(84, [1, 3])));
      const applyMs = performance.now() - t0;
      expect(report.mode).toBe('changes');
      const after = await tcp(84, 12, six);
      expect(after.failures).toBe(0);
      for (const s of six) {
        const now = serverOf(after, s);
        if (placed.get(s) === 's2') expect(now).not.toBe('s2');
        else expect(now).toBe(placed.get(s));
      }
      // B comes back with an empty set: nobody is sent back to it, everybody stays.
      await apply(state(sticky(84, [1, 2, 3])));
      const back = await tcp(84, 6, six);
      for (const s of six) expect(serverOf(back, s)).toBe(serverOf(after, s));
      console.log(
        `flip 3 -> 2 with affinity: ${report.operations} commands in one transaction (${applyMs.toFixed(1)} ms); ` +
          `${[...placed.values()].filter((v) => v !== 's2').length}/6 clients kept their server, ` +
          `${[...placed.values()].filter((v) => v === 's2').length}/6 moved on their next connection`,
      );
    });

    it("the kernel's affinity elements are not drift; a deleted affinity set is, and is repaired", async () => {
      await apply(state(sticky(81, [1, 2, 3])));
      const first = await tcp(81, 24, sources);
      expect(first.failures).toBe(0);
      expect(await nft('list', 'set', 'inet', 'lbkit', 'aff5_web81_s2')).toMatch(/elements = \{/);
      // Someone commits elsewhere: the generation moves, the next check reads the whole table.
      await nft('add', 'table', 'ip', 'neighbour');
      const clean = await fullCheck();
      expect(clean).toMatchObject({ found: [], repaired: false, method: 'read' });
      await lab.lab.exec(
        'lb',
        ['nft', '-f', '-'],
        'flush chain inet lbkit svc_web81\nflush chain inet lbkit aff5_web81_s2\ndelete set inet lbkit aff5_web81_s2\n',
      );
      const drift = await fullCheck();
      expect(drift.repaired).toBe(true);
      expect(drift.found).toContain('set aff5_web81_s2 is missing');
      const again = await tcp(81, 24, sources);
      expect(again.failures).toBe(0);
      for (const s of sources) expect(again.bySource[s]?.[serverOf(again, s)]).toBe(2);
      console.log(
        `drift: ${sources.length} clients in the affinity sets -> check ${clean.method} found nothing (${clean.durationMs.toFixed(2)} ms); ` +
          `deleted set -> found ${JSON.stringify(drift.found)}, repaired in ${drift.durationMs.toFixed(1)} ms`,
      );
    });

    it('when its server dies, the client fails until the server is removed, then reaches another at once', async () => {
      await apply(state(sticky(82, [1, 2, 3])));
      const client = [sources[2]!];
      // Wait out any affinity of the tests before.
      await sleep(PERSISTENCE_S * 1000 + MARGIN_MS);
      const first = await tcp(82, 2, client);
      const home = serverOf(first, client[0]!);
      const index = Number(home.slice(1));
      servers[index - 1]!.kill('SIGKILL');
      await sleep(200);
      const dead = await tcp(82, 2, client);
      // Affinity alone is not health: still sent to the dead server.
      expect(dead.failures).toBe(2);
      const t0 = performance.now();
      await apply(
        state(
          sticky(
            82,
            [1, 2, 3].filter((i) => i !== index),
          ),
        ),
      );
      const next = await tcp(82, 5, client);
      const ms = performance.now() - t0;
      expect(next.failures).toBe(0);
      const moved = serverOf(next, client[0]!);
      expect(moved).not.toBe(home);
      expect(next.bySource[client[0]!]?.[moved]).toBe(5);
      console.log(
        `server ${home} killed: its client's next connections fail (${JSON.stringify(dead.errors)}) until it is removed; ` +
          `removal + next 5 connections: ${ms.toFixed(0)} ms, all on ${moved}`,
      );
    });
  },
);
