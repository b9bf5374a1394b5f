/**
 * The article's DNS cluster on a pair, for real, with the shipped files in
 * examples/dns-cluster/pair/: two balancer nodes each running dns-cluster
 * with keepalived (--ha), a client asking the VIP, dnsmasq name servers.
 * Level 1: each node balances to its own name server, and gives the VIP away
 * when it stops answering. Levels 2 and 3: both nodes balance to three name
 * servers; the master lost, the other answers; level 2 SNATs to the inner VIP
 * (the servers see it, not the client), level 3 keeps the client address.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseYamlSource } from '@lbkit/core';
import { dnsmasqNameServerArgv } from '@lbkit/core/testing';
import { createPairLab, PAIR, type PairLab, type PairNode } from '@lbkit/ha/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onLines, waitFor } from '../common/lines.js';
import { EXAMPLES_DIR } from '../programs.js';
import { type RunningProgram, startProgram, tally, traceFrom } from '../test-support/daemon.js';

const files = join(EXAMPLES_DIR, 'dns-cluster', 'pair');
const ready = ['/usr/sbin/dnsmasq', '/usr/sbin/keepalived'].every((f) => existsSync(f));
if (!ready && process.env['CI'] === 'true')
  throw new Error('dnsmasq and keepalived are required under CI');
const canRun = ready && process.getuid?.() === 0;

/** The shipped HA file of `node`, with this lab's run directory, namespaces and process name. */
function labHaFile(pair: PairLab, dir: string, shipped: string, node: PairNode): string {
  const value = parseYamlSource(readFileSync(join(files, shipped), 'utf8'))._unsafeUnwrap()
    .value as Record<string, Record<string, unknown>>;
  const lab = pair.haInput(node);
  const file = join(dir, `${node}-${shipped.replace(/\.yaml$/, '.json')}`);
  writeFileSync(
    file,
    JSON.stringify({
      ...value,
      track: { ...value['track'], processName: lab.track?.processName },
      keepalived: lab.keepalived,
    }),
  );
  return file;
}

/** Polls until `node` alone holds `address` (at most 5 s). */
async function heldBy(pair: PairLab, address: string, node: PairNode): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if ((await pair.holders(address)).join() === node) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${address} is not on ${node} alone`);
}

/** dnsmasq answering TXT `=NAME=` on `address`, its query log kept. */
async function nameServer(pair: PairLab, role: string, name: string, address: string) {
  const child = pair.lab.spawn(
    role,
    dnsmasqNameServerArgv({ txt: `=${name}=`, listen: address, logQueries: true }),
  );
  const log: string[] = [];
  onLines(child.stderr, (line) => log.push(line));
  await waitFor(() => log.some((l) => /started/.test(l)), 10_000, `dnsmasq ${name}`);
  return { child, log };
}

describe.skipIf(!canRun)('dns-cluster on a pair', () => {
  describe('level 1: each node its own name server, the VIP where one answers', () => {
    let pair: PairLab;
    let dir = '';
    const daemons = new Map<PairNode, RunningProgram>();
    const servers = new Map<PairNode, ChildProcess>();

    beforeAll(async () => {
      pair = await createPairLab({ prefix: 'lbkx', servers: 0 });
      dir = mkdtempSync(join(tmpdir(), 'lbkx-dns-pair-'));
      for (const node of ['b1', 'b2'] as const) {
        servers.set(node, (await nameServer(pair, node, node, PAIR.front[node])).child);
        const daemon = startProgram(pair.lab, node, 'dns-cluster', [
          '--level',
          '1',
          '--config',
          join(files, `level1-${node}.yaml`),
          '--ha',
          labHaFile(pair, dir, `ha-level1-${node}.yaml`, node),
        ]);
        daemons.set(node, daemon);
      }
      // Both nodes start together; b1 (priority 150) ends up master either way.
      await Promise.all([...daemons.values()].map((d) => d.waitForLine(/dns-cluster: ready/)));
      await daemons.get('b1')!.waitForLine(/ha: role \w+ -> master/, 15_000);
    }, 90_000);

    afterAll(async () => {
      await Promise.all([...daemons.values()].map((d) => d.stop()));
      await pair?.destroy();
      rmSync(dir, { recursive: true, force: true });
    }, 60_000);

    it("b1 answers; its name server killed, b1 gives the VIP away and b2's answers", async () => {
      expect(tally(await traceFrom(pair.lab, 'client', PAIR.vip, 'dns:53', 4))).toEqual({
        b1: 4,
      });
      const b1 = daemons.get('b1')!;
      const from = b1.lines.length;
      await pair.lab.kill(servers.get('b1')!, 'SIGKILL');
      await b1.waitForLine(/ha: unhealthy \(service-empty:dns-(udp|tcp)/, 10_000, from);
      await heldBy(pair, PAIR.vip, 'b2');
      expect(tally(await traceFrom(pair.lab, 'client', PAIR.vip, 'dns:53', 4))).toEqual({
        b2: 4,
      });
      expect(tally(await traceFrom(pair.lab, 'client', PAIR.vip, 'dns-tcp:53', 4))).toEqual({
        b2: 4,
      });
    }, 60_000);
  });

  describe.each([2, 3] as const)('level %i: three name servers behind both nodes', (level) => {
    let pair: PairLab;
    let dir = '';
    const daemons = new Map<PairNode, RunningProgram>();
    const logs: string[][] = [];

    beforeAll(async () => {
      pair = await createPairLab({ prefix: 'lbkx', level });
      dir = mkdtempSync(join(tmpdir(), 'lbkx-dns-pair-'));
      for (const [i, role] of pair.servers.entries()) {
        logs.push((await nameServer(pair, role, `nameserver-${i + 1}`, PAIR.server(i + 1))).log);
      }
      for (const node of ['b1', 'b2'] as const) {
        const daemon = startProgram(pair.lab, node, 'dns-cluster', [
          '--level',
          String(level),
          '--config',
          join(files, 'pair.yaml'),
          '--ha',
          labHaFile(pair, dir, `ha-${node}.yaml`, node),
        ]);
        daemons.set(node, daemon);
      }
      // Both nodes start together; b1 (priority 150) ends up master either way.
      await Promise.all([...daemons.values()].map((d) => d.waitForLine(/dns-cluster: ready/)));
      await daemons.get('b1')!.waitForLine(/ha: role \w+ -> master/, 15_000);
    }, 90_000);

    afterAll(async () => {
      await Promise.all([...daemons.values()].map((d) => d.stop()));
      await pair?.destroy();
      rmSync(dir, { recursive: true, force: true });
    }, 60_000);

    it(`UDP and TCP through b1; ${level === 3 ? 'the servers see the client' : 'the servers see the inner VIP'}; b1 lost, b2 answers`, async () => {
      const answers = (r: Record<string, number>) => Object.keys(r).sort();
      const names = ['nameserver-1', 'nameserver-2', 'nameserver-3'];
      expect(answers(tally(await traceFrom(pair.lab, 'client', PAIR.vip, 'dns:53', 6)))).toEqual(
        names,
      );
      expect(
        answers(tally(await traceFrom(pair.lab, 'client', PAIR.vip, 'dns-tcp:53', 6))),
      ).toEqual(names);
      const seen = logs.flat().filter((l) => /query\[TXT\] health\.load\.balance from /.test(l));
      const from = (address: string) => seen.filter((l) => l.endsWith(`from ${address}`)).length;
      if (level === 3) expect(from(PAIR.client)).toBeGreaterThanOrEqual(12);
      else {
        expect(from(PAIR.client)).toBe(0);
        expect(from(PAIR.innerVip)).toBeGreaterThanOrEqual(12);
      }
      await pair.cut('b1');
      await daemons.get('b2')!.waitForLine(/ha: role backup -> master/, 10_000);
      await heldBy(pair, PAIR.innerVip, 'b2');
      expect(answers(tally(await traceFrom(pair.lab, 'client', PAIR.vip, 'dns:53', 6)))).toEqual(
        names,
      );
      expect(
        answers(tally(await traceFrom(pair.lab, 'client', PAIR.vip, 'dns-tcp:53', 6))),
      ).toEqual(names);
      await pair.cut('b1', false);
    }, 60_000);
  });
});
