/**
 * `nft-lb --ha`: the HA flags, `--check` on a good and a hostile HA options
 * file (a real process), and `--render-keepalived`; with a `conntrackd`
 * section (flow sync): hostile values, `--render-conntrackd`, and the checks
 * of this host (conntrackd installed, the sync link present) in a netns.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { canUseNetns } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES_DIR, programArgv } from '../programs.js';
import { parseNftLbArgs } from './cli-args.js';

const testdata = join(import.meta.dirname, 'testdata');
const shipped = join(EXAMPLES_DIR, 'nft-lb', 'ha.yaml');
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

describe('nft-lb HA flags', () => {
  it('reads --ha, --snat (one per family) and --render-keepalived', () => {
    const o = parseNftLbArgs([
      '--ha',
      '/etc/lbkit/ha.yaml',
      '--snat',
      '198.51.100.1',
      '--snat',
      '2001:DB8::1',
    ])._unsafeUnwrap();
    expect(o).toMatchObject({
      ha: '/etc/lbkit/ha.yaml',
      snat: { ipv4: '198.51.100.1', ipv6: '2001:db8::1' },
    });
    expect(parseNftLbArgs(['--ha', 'x', '--render-keepalived'])._unsafeUnwrap().mode).toBe(
      'render-keepalived',
    );
  });

  it.each([
    [['--snat', '198.51.100.1; flush ruleset'], /--snat must be an IPv4 or IPv6 address/],
    [['--snat', '198.51.100.1', '--snat', '198.51.100.2'], /one IPv4 address only/],
    [['--snat', '198.51.100.1', '--masquerade'], /--snat and --masquerade exclude each other/],
    [['--render-keepalived'], /--render-keepalived needs --ha PATH/],
    [
      ['--check', '--render-keepalived', '--ha', 'x'],
      /--check and --render-keepalived exclude each other/,
    ],
  ])('refuses %j', (argv, pattern) => {
    expect(parseNftLbArgs(argv)._unsafeUnwrapErr()).toMatch(pattern);
  });
});

describe('nft-lb --check --ha', () => {
  it('a hostile HA file: every problem with its line, exit 1, nothing rendered', async () => {
    const file = join(testdata, 'ha-hostile.yaml');
    const { code, stderr } = await nftLb(['--check', '--rules', rules, '--ha', file]);
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    const at = (line: number) => lines.filter((l) => l.startsWith(`${file}:${line}: `)).join('\n');
    expect(at(1)).toMatch(/priority: must be an integer 1\.\.254, got 300/);
    expect(at(3)).toMatch(/service\.interface: must be an interface name/);
    expect(at(5)).toMatch(/service\.vips\[0\]: must be an address/);
    expect(at(6)).toMatch(/unicastPeers\[0\]: must be IPv4/);
    expect(at(8)).toMatch(/track\.processName: must be a process name/);
    expect(at(10)).toMatch(/keepalived\.runDir: must be an absolute path/);
    expect(lines.at(-1)).toMatch(/6 problem\(s\) in .*ha-hostile\.yaml/);
  });

  it('--render-keepalived prints the config of the shipped example', async () => {
    const { code, stdout } = await nftLb(['--render-keepalived', '--ha', shipped]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/vrrp_sync_group lbkit \{/);
    expect(stdout).toMatch(/process nft-lb/);
    expect(stdout).toMatch(/192\.0\.2\.10\/24 dev eth0/);
  });
});

const keepalived = existsSync('/usr/sbin/keepalived');
describe.skipIf(!canUseNetns() || !keepalived)(
  'nft-lb --check --ha with keepalived -t (eth0/eth1 in a netns)',
  () => {
    const ns = `lbkx${process.pid}-hacheck`;
    const run = (argv: string[]) => spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
    beforeAll(() => {
      run(['ip', 'netns', 'add', ns]);
      run(['ip', '-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1']);
    });
    afterAll(() => {
      run(['ip', 'netns', 'delete', ns]);
    });

    it('the shipped example: OK, and keepalived -t accepts what it renders', async () => {
      const { code, stdout, stderr } = await nftLb(
        ['--check', '--rules', rules, '--ha', shipped],
        ['ip', 'netns', 'exec', ns],
      );
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toMatch(
        /ha\.yaml: OK, VRRPv3 lbkit_vip on eth0 \(VRID 51, VIP 192\.0\.2\.10\/24\) \+ lbkit_inner on eth1/,
      );
      expect(stdout).toMatch(/keepalived -t accepts it/);
    });

    it('keepalived -t has the last word: an interface this host lacks fails the check', async () => {
      const { code, stderr } = await nftLb(
        ['--check', '--rules', rules, '--ha', shipped],
        ['ip', 'netns', 'exec', `${ns}`, 'unshare', '--net'],
      );
      expect(code).toBe(1);
      expect(stderr).toMatch(/keepalived -t: .*interface eth0 .*doesn't exist/);
    });
  },
);

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
    const { code, stderr } = await nftLb(['--render-conntrackd', '--ha', shipped]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/has no conntrackd section/);
  });
});

const syncTools = existsSync('/usr/sbin/keepalived') && existsSync('/usr/sbin/conntrackd');
describe.skipIf(!canUseNetns() || !syncTools)(
  'nft-lb --check --ha with conntrackd (a netns)',
  () => {
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
      expect(stderr).toMatch(
        /ha-sync\.yaml: conntrackd\.interface: no interface eth2 on this host/,
      );
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
  },
);
