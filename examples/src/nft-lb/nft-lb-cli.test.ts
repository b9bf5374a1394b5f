/**
 * `nft-lb --check` and `--render` as a user runs them (a real process), on
 * good, vendor-written and hostile rules files.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
    expect(stderr).toMatch(/nope\.rules: cannot read the file: ENOENT: no such file or directory/);
  });

  it('rejects bad flags with the usage, exit 2', async () => {
    const { code, stderr } = await nftLb(['--fall', 'zero']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--fall must be an integer/);
    expect(stderr).toMatch(/Usage: nft-lb/);
  });
});

describe('nft-lb --check on hostile files and flags', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lbkx-check-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('refuses a FIFO at once instead of waiting for a writer', async () => {
    const fifo = join(dir, 'rules.fifo');
    execFileSync('mkfifo', [fifo]);
    const started = performance.now();
    const { code, stderr } = await nftLb(['--check', '--rules', fifo]);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(code).toBe(1);
    expect(stderr).toContain(`${fifo}: cannot read the file: a FIFO, not a regular file`);
  });

  it('refuses /dev/zero without reading it', async () => {
    const { code, stderr } = await nftLb(['--check', '--rules', '/dev/zero']);
    expect(code).toBe(1);
    expect(stderr).toContain(
      '/dev/zero: cannot read the file: a character device, not a regular file',
    );
  });

  it('130,000 bad lines: a short, clean error (20 lines and a count), exit 1', async () => {
    const big = file(
      'big.rules',
      `${Array.from({ length: 130_000 }, (_, i) => `junk ${i}`).join('\n')}\n`,
    );
    const { code, stdout, stderr } = await nftLb(['--check', '--rules', big]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(22);
    expect(lines[0]).toBe(
      `${big}:1: expected 5 or 6 fields svc|vip|port|node|ip[|weight], found 1`,
    );
    expect(lines.at(-2)).toBe(`${big}: and 129,980 more problems`);
    expect(lines.at(-1)).toBe('130,000 problem(s); nothing applied');
  });

  it('refuses an empty or cut-short file unless --allow-shrink', async () => {
    const empty = file('empty.rules', '# nothing here yet\n');
    const refused = await nftLb(['--check', '--rules', empty]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${empty}: the file has no service lines`);
    expect(refused.stderr).toContain('--allow-shrink accepts it');
    const allowed = await nftLb(['--check', '--rules', empty, '--allow-shrink']);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/OK, 0 service\(s\), 0 destination\(s\)/);
    const cut = file(
      'cut.rules',
      'smtp|192.0.2.25|25|mx1|198.51.100.11\nsmtp|192.0.2.25|25|mx2|198.51.100.1',
    );
    const half = await nftLb(['--check', '--rules', cut]);
    expect(half.code).toBe(1);
    expect(half.stderr).toContain(`${cut}:2: line 2, the last, has no line end`);
  });

  it.each([
    ['--check', /^nft-lb: --table "lb; flush ruleset": /],
    ['--render', /cannot render/],
  ])('%s validates --table with the nftables backend’s own rules', async (mode, message) => {
    const { code, stdout, stderr } = await nftLb([
      mode,
      '--rules',
      join(testdata, 'good.rules'),
      '--table',
      'lb; flush ruleset',
    ]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
  });

  it('weights: wrr unless --scheduler is given; an explicit rr is warned about', async () => {
    const weighted = file(
      'weights.rules',
      'mail|192.0.2.25|25|mx1|198.51.100.11|1\nmail|192.0.2.25|25|mx2|198.51.100.12|3\n',
    );
    const auto = await nftLb(['--check', '--rules', weighted]);
    expect(auto.code).toBe(0);
    expect(auto.stderr).toBe('');
    const rr = await nftLb(['--check', '--rules', weighted, '--scheduler', 'rr']);
    expect(rr.code).toBe(0);
    expect(rr.stderr).toBe(
      `${weighted}: service mail: weights 1, 3 are ignored under --scheduler rr (wrr, random, sh and mh honour them)\n`,
    );
    const rendered = await nftLb(['--render', '--rules', weighted]);
    expect(rendered.stdout).toMatch(/numgen inc mod 4/);
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
