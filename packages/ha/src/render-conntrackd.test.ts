import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectGolden } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HaInput } from './options.js';
import { renderConntrackdConf } from './render-conntrackd.js';
import { validateHaOptions } from './validate.js';

const TESTDATA = fileURLToPath(new URL('./testdata/', import.meta.url));
const service = { interface: 'eth0', virtualRouterId: 51, vips: ['203.0.113.10/24'] };

/** The golden cases: IPv4 with the servers' flows, IPv6 with every flow. */
const CASES: readonly { name: string; input: HaInput }[] = [
  {
    name: 'conntrackd-flows',
    input: {
      priority: 150,
      service,
      conntrackd: {
        interface: 'eth2',
        address: '192.0.2.1',
        peer: '192.0.2.2',
        flows: ['198.51.100.11', '198.51.100.0/28', '2001:db8::10'],
      },
    },
  },
  {
    name: 'conntrackd-ipv6-all',
    input: {
      name: 'dns',
      priority: 100,
      service,
      keepalived: { runDir: '/run/lbkit/dns' },
      conntrackd: {
        interface: 'sync0',
        address: '2001:db8:5::1',
        peer: '2001:db8:5::2',
        port: 3781,
      },
    },
  },
];

const render = (input: HaInput, runDir?: string): string => {
  const withDir = runDir ? { ...input, keepalived: { ...input.keepalived, runDir } } : input;
  const config = validateHaOptions(withDir)._unsafeUnwrap();
  return renderConntrackdConf(config, config.conntrackd!);
};

describe('conntrackd.conf goldens', () => {
  for (const c of CASES) {
    it(c.name, () =>
      expectGolden(
        join(TESTDATA, `${c.name}.conf`),
        render(c.input),
        'UPDATE=1 npx vitest run packages/ha/src/render-conntrackd.test.ts',
      ),
    );
  }
});

// ---- the real daemon: conntrackd has no check mode (-C only names the file),
// so each file is started in a throwaway namespace with its interface, and
// must answer on its control socket; a broken one must be refused. ----

const conntrackd = '/usr/sbin/conntrackd';
const isRoot = process.getuid?.() === 0;
const canRun = isRoot && existsSync(conntrackd);
if (!canRun) {
  const why = isRoot ? `${conntrackd} not found (Debian package conntrackd)` : 'not root';
  if (process.env['CI'] === 'true')
    throw new Error(`conntrackd checks need root and conntrackd (${why})`);
  console.warn(`skipping conntrackd acceptance: ${why}`);
}
const run = (argv: string[]) => {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!canRun)('conntrackd 1.4 accepts every rendered config', () => {
  const ns = `lbkh${process.pid}-ctd`;
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lbkh-ctd-'));
    expect(run(['ip', 'netns', 'add', ns]).status).toBe(0);
    // This kernel has no dummy driver: veth pairs carry the interfaces' names.
    for (const [a, b] of [
      ['eth2', 'eth3'],
      ['sync0', 'sync1'],
    ]) {
      expect(
        run(['ip', '-n', ns, 'link', 'add', a!, 'type', 'veth', 'peer', 'name', b!]).status,
      ).toBe(0);
      run(['ip', '-n', ns, 'link', 'set', a!, 'up']);
    }
    run(['ip', '-n', ns, 'address', 'add', '192.0.2.1/24', 'dev', 'eth2']);
    run(['ip', '-n', ns, 'address', 'add', '2001:db8:5::1/64', 'dev', 'sync0', 'nodad']);
  });
  afterAll(() => {
    run(['ip', 'netns', 'delete', ns]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts conntrackd on `file` in the namespace; resolves with its output once it answers (or exited). */
  async function start(
    file: string,
  ): Promise<{ answered: boolean; exit: number | null; out: string }> {
    const child = spawn('ip', ['netns', 'exec', ns, conntrackd, '-C', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let exit: number | null | undefined;
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => (exit = code));
    let answered = false;
    for (let i = 0; i < 100 && exit === undefined && !answered; i++) {
      await sleep(50);
      answered = run([conntrackd, '-C', file, '-s']).status === 0;
    }
    if (exit === undefined) {
      run([conntrackd, '-C', file, '-k']);
      for (let i = 0; i < 100 && exit === undefined; i++) await sleep(20);
      if (exit === undefined) child.kill('SIGKILL');
    }
    return { answered, exit: exit ?? null, out };
  }

  for (const c of CASES) {
    it(c.name, async () => {
      const runDir = join(dir, c.name);
      run(['mkdir', '-p', runDir]);
      const file = join(runDir, 'conntrackd.conf');
      writeFileSync(file, render(c.input, runDir));
      const r = await start(file);
      expect(r.out).not.toMatch(/ERROR|warning/);
      expect(r.answered).toBe(true);
    });
  }

  it('and refuses a broken one (the check can fail)', async () => {
    const runDir = join(dir, 'broken');
    run(['mkdir', '-p', runDir]);
    const file = join(runDir, 'conntrackd.conf');
    writeFileSync(
      file,
      render(CASES[0]!.input, runDir).replace('Port 3780', 'Port 3780\n        Bogus 1'),
    );
    const r = await start(file);
    expect(r.answered).toBe(false);
    expect(r.out).toMatch(/parsing config file in line \(\d+\)/);
  });
});
