import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Balancer, createBalancer, DEFAULT_HEALTH, type Service } from '@lbkit/core';
import { LAB } from '@lbkit/core/testing';
import { enterNetworkNamespace } from '@lbkit/netlink';
import { createProbe } from '@lbkit/probes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNftablesBackend } from '../backend/backend.js';
import { kernelSkip } from './kernel-env.js';
import { createTrafficLab, type HoldResult, type TrafficLab } from './traffic-lab.js';

const skip = kernelSkip(['nft']);
const script = (name: string): string => fileURLToPath(new URL(`./${name}`, import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const health = {
  ...DEFAULT_HEALTH,
  interval: 100,
  fastInterval: 100,
  downInterval: 100,
  // fall 3 and a generous timeout: a loaded CI host must not flap a server.
  timeout: 1000,
  rise: 1,
  fall: 3,
  jitter: 0,
  initial: 'up' as const,
};
const service = (name: string, port: number, extra: Partial<Service>): Service => ({
  name,
  key: { vip: LAB.vip, port, protocol: 'tcp' },
  scheduler: 'wrr',
  destinations: [1, 2].map((i) => ({ name: `s${i}`, address: LAB.server(i), port, weight: 1 })),
  probe: { kind: 'tcp' },
  health,
  whenEmpty: 'reject',
  downAction: 'remove',
  persistence: 0,
  ...extra,
});

/** Slow start measured on the wire: the share of new connections a recovered server gets over time. */
const SLOW_START_MS = 5000;
/**
 * Connections per window: wrr puts each destination's slots side by side and
 * `numgen inc` walks them, so only a window as long as the slot table (here up
 * to 100 + 91) shows the share; a shorter one sees bursts.
 */
const WINDOW = 200;
/** One window: when it started (ms after recovery), s2's share, the weights at its start and end. */
interface Window {
  readonly atMs: number;
  readonly share: number;
  readonly from: string;
  readonly to: string;
}
const mean = (xs: readonly Window[]): number => xs.reduce((a, w) => a + w.share, 0) / xs.length;
const web = service('web', 80, { slowStart: SLOW_START_MS });
/** Agent weights: each server runs an agent on :7000 answering the line in its file. */
const app = service('app', 8080, { probe: { kind: 'agent', port: 7000 } });

describe.skipIf(skip)(
  `slow start and agent weights on nftables, real traffic${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let lab: TrafficLab;
    let servers: ChildProcess[] = [];
    let balancer: Balancer | undefined;
    let leave: (() => void) | undefined;
    const dir = mkdtempSync(join(tmpdir(), 'lbkit-agent-'));
    const say = (server: 's1' | 's2', line: string) =>
      writeFileSync(join(dir, server), `${line}\n`);

    beforeAll(async () => {
      lab = await createTrafficLab('lbkw', 2);
      servers = await lab.startNameServers([80, 8080]);
      say('s1', 'up 100%');
      say('s2', 'up 100%');
      await Promise.all(
        ['s1', 's2'].map(
          (role) =>
            new Promise<void>((resolve, reject) => {
              const agent = lab.lab.spawn(role, [
                process.execPath,
                script('agent-server.mjs'),
                '7000',
                join(dir, role),
              ]);
              agent.stdout?.once('data', () => resolve());
              agent.once('exit', (code) => reject(new Error(`agent ${role} exited ${code}`)));
            }),
        ),
      );
      const back = enterNetworkNamespace(lab.lbNs)._unsafeUnwrap();
      leave = () => back()._unsafeUnwrap();
      const backend = createNftablesBackend({ netns: lab.lbNs })._unsafeUnwrap();
      balancer = createBalancer({ services: [web, app], backend, probes: createProbe });
      (await balancer.start())._unsafeUnwrap();
      await balancer.whenReady();
      await balancer.settled();
    });
    afterAll(async () => {
      await balancer?.stop();
      leave?.();
      await lab?.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    const weights = (name: string): Record<string, number> =>
      Object.fromEntries(
        balancer!
          .desired()
          .services.find((s) => s.name === name)!
          .destinations.map((d) => [d.name, d.weight]),
      );
    const until = async (what: () => boolean, ms = 5000) => {
      const started = performance.now();
      while (!what() && performance.now() - started < ms) await sleep(20);
      await balancer!.settled();
      expect(what()).toBe(true);
    };
    /** s1:s2 weights as a string, e.g. `100:27`. */
    const ratio = (w: Record<string, number>): string => `${w['s1']}:${w['s2']}`;
    const load = (port: number, count: number, concurrency = 2) =>
      lab.client({ mode: 'tcp', host: LAB.vip, port, count, concurrency, timeoutMs: 1000 });

    it('slow start: a recovered server takes a small share first, an equal one after slowStart', async () => {
      expect(weights('web')).toEqual({ s1: 1, s2: 1 });
      await lab.lab.kill(servers[1]!, 'SIGKILL');
      await until(() => weights('web')['s2'] === undefined);
      servers[1] = lab.lab.spawn('s2', [
        process.execPath,
        script('name-server.mjs'),
        's2',
        '80',
        '8080',
      ]);
      await until(() => weights('web')['s2'] !== undefined);
      const recoveredAt = performance.now();
      const windows: Window[] = [];
      // Windows until one starts at the full weights (1:1), bounded in count and time.
      while (
        !(windows.length > 0 && windows[windows.length - 1]!.from === '1:1') &&
        windows.length < 40 &&
        performance.now() - recoveredAt < SLOW_START_MS + 10_000
      ) {
        const atMs = performance.now() - recoveredAt;
        const from = ratio(weights('web'));
        const r = await load(80, WINDOW, 4);
        // The error codes and the weights in the message: a failure says what it was.
        expect(r.failures, `${JSON.stringify(r.errors)} at weights ${from}`).toBe(0);
        const to = ratio(weights('web'));
        windows.push({ atMs, share: (r.counts['s2'] ?? 0) / WINDOW, from, to });
      }
      console.log(
        `slow start ${SLOW_START_MS} ms, s2's share of ${WINDOW} new connections per window (load ${loadavg()[0]!.toFixed(1)}):\n${windows
          .map(
            (w) =>
              `  t=${w.atMs.toFixed(0).padStart(5)} ms  weights ${`${w.from} -> ${w.to}`.padEnd(16)} s2 ${(w.share * 100).toFixed(0)}%`,
          )
          .join('\n')}`,
      );
      const first = windows[0]!;
      const last = windows[windows.length - 1]!;
      const ramping = windows.filter((w) => w.to !== '1:1');
      expect(ramping.length).toBeGreaterThanOrEqual(1);
      // The first window starts in the ramp's first steps (9%, 18% of s1's weight).
      expect(['100:9', '100:18']).toContain(first.from);
      expect(first.share).toBeLessThanOrEqual(0.25);
      expect(mean(ramping)).toBeLessThan(0.4);
      expect(last.from).toBe('1:1');
      expect(last.share).toBe(0.5);
      expect(first.share).toBeLessThan(mean(windows.slice(1)));
    });

    it('agent: 100% and 25% -> new connections 4:1', async () => {
      say('s2', 'up 25%');
      await until(() => weights('app')['s2'] === 25);
      expect(weights('app')).toEqual({ s1: 100, s2: 25 });
      const r = await load(8080, 250);
      console.log(`agent 100%/25%: s1 ${r.counts['s1']} s2 ${r.counts['s2']} of 250`);
      expect(r).toMatchObject({ failures: 0, counts: { s1: 200, s2: 50 } });
    });

    it('agent: drain -> no new connections, an established one continues; down -> removed', async () => {
      say('s1', 'up 0%');
      say('s2', 'ready 100%');
      await until(() => weights('app')['s1'] === 0 && weights('app')['s2'] === 100);
      const held = lab.client<HoldResult>({
        mode: 'hold',
        host: LAB.vip,
        port: 8080,
        durationMs: 3000,
        intervalMs: 100,
      });
      await sleep(700);
      say('s1', 'up 100%');
      say('s2', 'drain');
      await until(() => weights('app')['s2'] === 0 && weights('app')['s1'] === 1);
      const during = await load(8080, 40);
      const hold = await held;
      console.log(
        `agent drain: new connections ${JSON.stringify(during.counts)}; the held one (on ${hold.name}) answered ${hold.answered}, closed early: ${hold.closedEarly}`,
      );
      expect(during).toMatchObject({ failures: 0, counts: { s1: 40 } });
      expect(hold).toMatchObject({ name: 's2', closedEarly: false, failures: 0 });
      expect(hold.answered).toBeGreaterThanOrEqual(10);

      say('s2', 'down #deploying');
      await until(() => weights('app')['s2'] === undefined);
      const view = balancer!.status().find((s) => s.service.name === 'app')!;
      const s2 = view.destinations.find((d) => d.name === 's2')!;
      expect(s2.health).toBe('down');
      expect(s2.lastResult?.error?.message).toMatch(/says down: deploying/);
      const after = await load(8080, 20);
      expect(after).toMatchObject({ failures: 0, counts: { s1: 20 } });
      say('s2', 'ready up');
      await until(() => weights('app')['s2'] === 1);
    });
  },
);
