/**
 * `nft-lb --ha` for real, on the pair lab: the same rules file on both
 * balancer nodes, keepalived supervised by each nft-lb, a client asking the
 * VIP. b1 is master (its log and /metrics say so); SIGTERM on b1 hands the
 * VIP to b2 before b1 removes its rules, and the client keeps being answered.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canUseNetns } from '@lbkit/core/testing';
import { createPairLab, PAIR, type PairLab, type PairNode } from '@lbkit/ha/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onLines, waitFor } from '../common/lines.js';
import { programArgv } from '../programs.js';
import { type RunningProgram, startProgram, tally, traceFrom } from '../test-support/daemon.js';

const keepalived = existsSync('/usr/sbin/keepalived');
if (!keepalived && process.env['CI'] === 'true') throw new Error('keepalived is required under CI');

describe.skipIf(!canUseNetns() || !keepalived)('nft-lb --ha on a balancer pair', () => {
  let pair: PairLab;
  let dir = '';
  const daemons = new Map<PairNode, RunningProgram>();
  const servers: ChildProcess[] = [];

  beforeAll(async () => {
    pair = await createPairLab({ prefix: 'lbkx' });
    dir = mkdtempSync(join(tmpdir(), 'lbkx-nftlb-ha-'));
    const rules = join(dir, 'nft_lb_rules');
    writeFileSync(
      rules,
      `${pair.servers.map((s, i) => `line|${PAIR.vip}|7000|${s}|${PAIR.server(i + 1)}`).join('\n')}\n`,
    );
    for (const name of pair.servers) {
      const child = pair.lab.spawn(name, [...programArgv('name-server'), '--name', name]);
      servers.push(child);
      let ready = false;
      onLines(child.stdout, (line) => {
        if (line === `ready ${name}`) ready = true;
      });
      await waitFor(() => ready, 15_000, `name server ${name}`);
    }
    for (const node of ['b1', 'b2'] as const) {
      const ha = join(dir, `ha-${node}.json`);
      writeFileSync(ha, JSON.stringify(pair.haInput(node)));
      const flags = ['--interval', '200ms', '--timeout', '300ms', '--forward-mark', '0'];
      const args = ['--rules', rules, ...flags, '--ha', ha, '--metrics', '127.0.0.1:9333'];
      daemons.set(node, startProgram(pair.lab, node, 'nft-lb', args));
    }
    await daemons.get('b1')!.waitForLine(/ha: role \w+ -> master/, 30_000);
    await daemons.get('b2')!.waitForLine(/ha: role \w+ -> backup/, 30_000);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([...daemons.values()].map((d) => d.stop()));
    await pair?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('b1 is master: it logs the role and serves it in /metrics; the VIP answers', async () => {
    const b1 = daemons.get('b1')!;
    expect(b1.lines.join('\n')).toMatch(
      /ha: VRRPv3 lbkit_vip on eth0 \(VRID 51, VIP 203\.0\.113\.10\/24\) \+ lbkit_inner on eth1/,
    );
    const fetch = `fetch('http://127.0.0.1:9333/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))`;
    const metrics = (await pair.lab.exec('b1', [process.execPath, '-e', fetch])).stdout;
    expect(metrics).toMatch(/^lbkit_ha_role\{role="master"\} 1$/m);
    expect(metrics).toMatch(/^lbkit_ha_healthy 1$/m);
    expect(metrics).toMatch(/^lbkit_ha_keepalived_up 1$/m);
    expect(metrics).toMatch(/^lbkit_destination_health\{/m);
    const answers = tally(await traceFrom(pair.lab, 'client', PAIR.vip, 'tcp:7000', 6));
    expect(Object.keys(answers).sort()).toEqual(['s1', 's2', 's3']);
  });

  it('SIGTERM on b1: the VIP goes to b2 first, then b1 exits cleanly; the client is answered by b2', async () => {
    const b1 = daemons.get('b1')!;
    const from = b1.lines.length;
    expect(await b1.stop('SIGTERM')).toBe(0);
    const after = b1.lines.slice(from).join('\n');
    expect(after).toMatch(/ha: role master -> fault/);
    await daemons.get('b2')!.waitForLine(/ha: role backup -> master/, 5000);
    expect(await pair.holders(PAIR.vip)).toEqual(['b2']);
    const answers = tally(await traceFrom(pair.lab, 'client', PAIR.vip, 'tcp:7000', 6));
    expect(Object.keys(answers).sort()).toEqual(['s1', 's2', 's3']);
    // b1 gave its rules up after the handover.
    expect((await pair.lab.exec('b1', ['nft', 'list', 'tables'])).stdout).not.toMatch(/nft_lb/);
  }, 30_000);
});
