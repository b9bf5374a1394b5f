/**
 * `nft-lb --check --ha` with a `conntrackd` section (flow sync): hostile
 * values with their lines, and the checks of this host (conntrackd installed,
 * the sync link present) in a netns with eth0..eth2 (a real process).
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { canUseNetns } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { programArgv } from '../programs.js';

const testdata = join(import.meta.dirname, 'testdata');
const rules = join(testdata, 'good.rules');
const good = join(testdata, 'ha-sync.yaml');
const [node, ...script] = programArgv('nft-lb');

function nftLb(
  args: readonly string[],
  prefix: readonly string[] = [],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const argv = [...prefix, node!, ...script, ...args];
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('nft-lb --check --ha: the conntrackd section', () => {
  it('hostile values: every problem with its line, exit 1', async () => {
    const file = join(testdata, 'ha-sync-hostile.yaml');
    const { code, stderr } = await nftLb(['--check', '--rules', rules, '--ha', file]);
    expect(code).toBe(1);
    const at = (line: number) =>
      stderr
        .split('\n')
        .filter((l) => l.startsWith(`${file}:${line}: `))
        .join('\n');
    expect(at(7)).toMatch(/conntrackd\.interface: must be an interface name/);
    expect(at(9)).toMatch(/conntrackd\.peer: must be IPv4 like address/);
    expect(at(10)).toMatch(/conntrackd\.port: must be an integer 1\.\.65535/);
    expect(at(11)).toMatch(/conntrackd\.flows\[0\]: must be an address/);
    expect(at(11)).toMatch(/conntrackd\.flows\[2\]: repeats 198\.51\.100\.0\/24/);
    expect(at(12)).toMatch(/conntrackd\.guardTable: must be a table name/);
  });
});

describe('nft-lb --render-conntrackd', () => {
  it('prints the conntrackd.conf of the conntrackd section', async () => {
    const { code, stdout } = await nftLb(['--render-conntrackd', '--ha', good]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/IPv4_Destination_Address 203\.0\.113\.2/);
    expect(stdout).toMatch(/Path \/run\/nft-lb\/ha\/conntrackd\.ctl/);
  });

  it('refuses a file without one', async () => {
    const { code, stderr } = await nftLb([
      '--render-conntrackd',
      '--ha',
      join(import.meta.dirname, '..', '..', 'nft-lb', 'ha.yaml'),
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/has no conntrackd section/);
  });
});

const tools = existsSync('/usr/sbin/keepalived') && existsSync('/usr/sbin/conntrackd');
describe.skipIf(!canUseNetns() || !tools)('nft-lb --check --ha with conntrackd (a netns)', () => {
  const ns = `lbkx${process.pid}-synccheck`;
  const run = (argv: string[]) => spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  beforeAll(() => {
    run(['ip', 'netns', 'add', ns]);
    run(['ip', '-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1']);
  });
  afterAll(() => {
    run(['ip', 'netns', 'delete', ns]);
  });

  it('without the sync link on this host: refused, naming it', async () => {
    const { code, stderr } = await nftLb(
      ['--check', '--rules', rules, '--ha', good],
      ['ip', 'netns', 'exec', ns],
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(/ha-sync\.yaml: conntrackd\.interface: no interface eth2 on this host/);
  });

  it('with it: OK, the sync named in the summary', async () => {
    run(['ip', '-n', ns, 'link', 'add', 'eth2', 'type', 'veth', 'peer', 'name', 'eth3']);
    const { code, stdout, stderr } = await nftLb(
      ['--check', '--rules', rules, '--ha', good],
      ['ip', 'netns', 'exec', ns],
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /conntrackd on eth2 203\.0\.113\.1 -> 203\.0\.113\.2:3780 with the takeover guard/,
    );
  });
});
