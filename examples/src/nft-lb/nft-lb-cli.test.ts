/**
 * `nft-lb --check` and `--render` as a user runs them (a real process), on
 * good, vendor-written and hostile rules files.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { canUseNetns, NetnsLab } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { programArgv } from '../programs.js';

const testdata = join(import.meta.dirname, 'testdata');
const [node, ...script] = programArgv('nft-lb');

function nftLb(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(node!, [...script, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('nft-lb --check', () => {
  it('accepts the vendor format, comments, weights and CRLF', async () => {
    const good = await nftLb(['--check', '--rules', join(testdata, 'good.rules')]);
    expect(good.stderr).toBe('');
    expect(good.stdout).toMatch(/good\.rules: OK, 2 service\(s\), 4 destination\(s\)/);
    expect(good.code).toBe(0);
    const crlf = await nftLb(['--check', '--rules', join(testdata, 'vendor-crlf.rules')]);
    expect(crlf.stdout).toMatch(/OK, 1 service\(s\), 2 destination\(s\)/);
  });

  it('rejects a hostile file with every problem on its line, exit 1', async () => {
    const file = join(testdata, 'hostile.rules');
    const { code, stdout, stderr } = await nftLb(['--check', '--rules', file]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    const at = (line: number) => lines.filter((l) => l.startsWith(`${file}:${line}: `));
    expect(at(3).join()).toMatch(/"x; delete table inet fw"/);
    expect(at(4).join()).toMatch(/mx1\\"; flush ruleset/);
    expect(at(5).join()).toMatch(/flush ruleset/);
    expect(at(6).join()).toMatch(/192\.0\.2\.1\.5/);
    expect(at(7).join()).toMatch(/99999/);
    expect(at(8).join()).toMatch(/expected 5 or 6 fields/);
    expect(at(2)).toEqual([]);
    expect(lines.at(-1)).toMatch(/problem\(s\); nothing applied/);
  });

  it('reports a missing file as such', async () => {
    const { code, stderr } = await nftLb(['--check', '--rules', join(testdata, 'nope.rules')]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/nope\.rules: cannot read the rules file: ENOENT/);
  });

  it('rejects bad flags with the usage, exit 2', async () => {
    const { code, stderr } = await nftLb(['--fall', 'zero']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--fall must be an integer/);
    expect(stderr).toMatch(/Usage: nft-lb/);
  });
});

describe('nft-lb --render', () => {
  it('prints the whole table, vendor mark included, and nothing for a hostile file', async () => {
    const good = await nftLb(['--render', '--rules', join(testdata, 'good.rules')]);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/^# nft-lb --render: /);
    expect(good.stdout).toContain('table inet nft_lb');
    expect(good.stdout).toContain('333444555');
    for (const address of ['198.51.100.11', '198.51.100.12'])
      expect(good.stdout).toContain(address);
    const hostile = await nftLb(['--render', '--rules', join(testdata, 'hostile.rules')]);
    expect(hostile.code).toBe(1);
    expect(hostile.stdout).toBe('');
    expect(hostile.stderr).toContain('delete table inet fw');
  });

  it('honours --table, --forward-mark 0 and --masquerade', async () => {
    const { stdout } = await nftLb([
      '--render',
      '--rules',
      join(testdata, 'good.rules'),
      '--table',
      'mail_lb',
      '--forward-mark',
      '0',
      '--masquerade',
    ]);
    expect(stdout).toContain('table inet mail_lb');
    expect(stdout).not.toContain('333444555');
    expect(stdout).toContain('masquerade');
  });

  it('rejects a hostile table name before anything is rendered', async () => {
    const { code, stdout, stderr } = await nftLb([
      '--render',
      '--rules',
      join(testdata, 'good.rules'),
      '--table',
      'lb; flush ruleset',
    ]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/cannot render/);
  });
});

describe.skipIf(!canUseNetns())('nft-lb --render output in the kernel', () => {
  let lab: NetnsLab;
  beforeAll(async () => {
    lab = new NetnsLab('lbkx');
    await lab.add('render');
  });
  afterAll(async () => {
    await lab.destroy();
  });

  it('is accepted by nft itself and builds the table', async () => {
    const { stdout } = await nftLb(['--render', '--rules', join(testdata, 'good.rules')]);
    const applied = await lab.exec('render', ['nft', '-f', '-'], stdout);
    expect(applied.code).toBe(0);
    const listed = await lab.exec('render', ['nft', 'list', 'table', 'inet', 'nft_lb']);
    expect(listed.stdout).toContain('198.51.100.12');
  });

  it('a hostile file in daemon mode applies nothing and leaves other tables alone', async () => {
    await lab.exec('render', ['nft', 'add', 'table', 'inet', 'fw']);
    const args = ['--rules', join(testdata, 'hostile.rules'), '--table', 'victim'];
    const result = await lab.try('render', [...programArgv('nft-lb'), ...args]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/nothing was changed/);
    const tables = await lab.exec('render', ['nft', 'list', 'tables']);
    expect(tables.stdout).toContain('table inet fw');
    expect(tables.stdout).not.toContain('victim');
  });
});
