import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectGolden } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderKeepalivedConf, seconds } from './render-keepalived.js';
import { CONF_CASES } from './testing/conf-cases.js';
import { validateHaOptions } from './validate.js';

const TESTDATA = fileURLToPath(new URL('./testdata/', import.meta.url));

const render = (input: unknown): string =>
  renderKeepalivedConf(validateHaOptions(input)._unsafeUnwrap());

function golden(name: string, actual: string): void {
  expectGolden(
    join(TESTDATA, `${name}.conf`),
    actual,
    'UPDATE=1 npx vitest run packages/ha/src/render-keepalived.test.ts',
  );
}

describe('keepalived.conf goldens', () => {
  for (const c of CONF_CASES) it(c.name, () => golden(c.name, render(c.input)));

  it('seconds as keepalived reads them', () => {
    expect([10, 50, 100, 1000, 2500, 40950].map(seconds)).toEqual([
      '0.01',
      '0.05',
      '0.1',
      '1',
      '2.5',
      '40.95',
    ]);
  });

  it('a lone instance carries the tracking; with an inner side the sync group does', () => {
    const lone = render(CONF_CASES[0]!.input);
    expect(lone).not.toMatch(/vrrp_sync_group/);
    expect(lone).toMatch(/vrrp_instance lbkit_vip \{[\s\S]*track_process \{\n {8}lbkit_process/);
    const pair = render(CONF_CASES[1]!.input);
    expect(pair).toMatch(/vrrp_sync_group dns \{\n {4}group \{\n {8}dns_vip\n {8}dns_inner/);
    expect(pair.match(/track_file \{/g)?.length).toBe(1);
  });
});

// ---- the real parser: keepalived -t, in a throwaway network namespace with eth0/eth1 ----

const run = (argv: string[]) => {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
};
const keepalived = '/usr/sbin/keepalived';
const isRoot = process.getuid?.() === 0;
const canCheck = isRoot && existsSync(keepalived);
if (!canCheck) {
  const why = isRoot ? `${keepalived} not found (Debian package keepalived)` : 'not root';
  if (process.env['CI'] === 'true')
    throw new Error(`keepalived -t checks need root and keepalived (${why})`);
  console.warn(`skipping keepalived -t checks: ${why}`);
}

describe.skipIf(!canCheck)('keepalived -t accepts every rendered config (keepalived 2.2)', () => {
  const ns = `lbkh${process.pid}-conf`;
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lbkh-conf-'));
    expect(run(['ip', 'netns', 'add', ns]).status).toBe(0);
    // eth0/eth1 as a veth pair (this kernel has no dummy driver).
    const veth = ['ip', '-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1'];
    expect(run(veth).status).toBe(0);
  });
  afterAll(() => {
    run(['ip', 'netns', 'delete', ns]);
    rmSync(dir, { recursive: true, force: true });
  });

  for (const c of CONF_CASES) {
    it(c.name, () => {
      const file = join(dir, `${c.name}.conf`);
      writeFileSync(file, render(c.input));
      const r = run(['ip', 'netns', 'exec', ns, keepalived, '-t', '-f', file]);
      expect(r.out).toBe('');
      expect(r.status).toBe(0);
    });
  }

  it('and refuses a broken one (the check can fail)', () => {
    const file = join(dir, 'broken.conf');
    writeFileSync(
      file,
      render(CONF_CASES[0]!.input).replace('advert_int 0.1', 'advert_int 0.1\n    bogus 1'),
    );
    const r = run(['ip', 'netns', 'exec', ns, keepalived, '-t', '-f', file]);
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/Unknown keyword 'bogus'/);
  });
});
