/**
 * Every shell command of the README, run as written (or, where noted, with
 * shorter demo flags), from the repository root. A command in the README with
 * no case here fails the test, so a new command cannot go untested; one that
 * cannot run on this machine says why. The TypeScript example has its own test
 * (scripts/readme-example.test.ts).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { canUseNetns, NetnsLab } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const execFileAsync = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const isRoot = canUseNetns();

/** The commands of the README's ```sh blocks, `&&` chains split, comments dropped. */
function readmeCommands(readme: string): string[] {
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  return [
    ...new Set(
      blocks
        .flatMap((block) => block.split('\n'))
        .map((line) => line.replace(/\s+#\s.*$/, '').trim())
        .filter((line) => line !== '' && !line.startsWith('#'))
        .flatMap((line) => line.split(/\s+&&\s+/)),
    ),
  ];
}

/** Runs `bash -c command` in the repository root; never rejects on a non-zero exit. */
async function sh(command: string, timeoutMs = 240_000) {
  const started = performance.now();
  try {
    const { stdout, stderr } = await execFileAsync('bash', ['-c', command], {
      cwd: root,
      encoding: 'utf8',
      timeout: timeoutMs,
      maxBuffer: 64 << 20,
      env: { ...process.env, NO_COLOR: '1' },
    });
    return { code: 0, stdout, stderr, ms: performance.now() - started };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: e.code ?? -1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
      ms: performance.now() - started,
    };
  }
}

const NO_SYSTEMD =
  'needs systemd as PID 1, which this machine does not run; the unit is checked with systemd-analyze verify below';
const UNIT_INSTALL =
  'sed "s|/opt/lbkit|$PWD|g" examples/nft-lb/nft-lb.service > /etc/systemd/system/nft-lb.service';
const RULES = 'examples/nft-lb/nft_lb_rules.example';
const HA_CHECK = `npx nft-lb --check --rules ${RULES} --ha examples/nft-lb/ha.yaml`;

/** How each README command is exercised: the test that runs it, or why it cannot run here. */
const CASES: Readonly<Record<string, string>> = {
  'scripts/setup':
    'run as written in scripts/setup.test.ts (one line; guarded by --check so it never installs mid-run)',
  'npm run demo': 'run as written in a terminal (script(1)), with -- --duration 8',
  'npm test': 'is .ci/run itself (CI); its closing line is tested in scripts/test-summary.test.ts',
  'npm run demo -- --no-tui --duration 12': 'run as written (below)',
  'npm run demo -- --backend ipvs': 'run with --no-tui --duration 12 added (below)',
  'npm run build': 'run as written (below)',
  [`npx nft-lb --check --rules ${RULES}`]: 'run as written (below)',
  [`npx nft-lb --render --rules ${RULES}`]: 'run as written (below)',
  'systemctl disable --now nft_lb': NO_SYSTEMD,
  'nft delete table ip lb':
    'run as written in a network namespace that has the vendor table (below)',
  [UNIT_INSTALL]: 'run as written into a temporary file instead of /etc/systemd/system (below)',
  'systemctl daemon-reload': NO_SYSTEMD,
  'systemctl enable --now nft-lb': NO_SYSTEMD,
  'npm run demo -- --ha': 'run with --duration 8 added (below)',
  [HA_CHECK]:
    "run as written in a network namespace that has eth0 and eth1, the example's interfaces (below)",
};

describe('README shell commands', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');

  it('has a case for every command, and no case for a command it no longer has', () => {
    const commands = readmeCommands(readme);
    expect(commands.filter((c) => !(c in CASES))).toEqual([]);
    expect(Object.keys(CASES).filter((c) => !commands.includes(c))).toEqual([]);
  });

  it('reloads systemd before enabling the installed unit', () => {
    expect(readme).toMatch(
      /nft-lb\.service\nsystemctl daemon-reload && systemctl enable --now nft-lb\n/,
    );
  });

  describe.skipIf(!isRoot)('as root', () => {
    it('nft delete table ip lb: removes the vendor table', async () => {
      const lab = new NetnsLab('lbkr');
      try {
        await lab.add('vendor');
        await lab.exec('vendor', ['nft', 'add', 'table', 'ip', 'lb']);
        await lab.exec('vendor', ['bash', '-c', 'nft delete table ip lb']);
        const left = await lab.try('vendor', ['nft', 'list', 'table', 'ip', 'lb']);
        expect(left.code).not.toBe(0);
      } finally {
        await lab.destroy();
      }
    });

    it('npm run demo -- --no-tui --duration 12: fails over, and the scenario keeps its length', async () => {
      const r = await sh('npm run demo -- --no-tui --duration 12');
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toContain('answers from s2 while it was dead: 0');
      expect(r.stdout).toMatch(
        /before {4}the kill, the client was answered by line \{s1,s2,s3\}, dns \{s1,s2,s3\}, http \{s1,s2,s3\}/,
      );
      const scenario = Number(r.stdout.match(/then the scenario ([\d.]+) s/)?.[1]);
      expect(scenario).toBeGreaterThanOrEqual(12);
      expect(scenario).toBeLessThan(13.5);
    }, 120_000);

    it.skipIf(!existsSync('/usr/sbin/keepalived'))(
      'npm run demo -- --ha: the master lost, the VIP moves to b2',
      async () => {
        const r = await sh('npm run demo -- --ha --duration 8');
        expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
        expect(r.stdout).toMatch(/b1, the master, is lost/);
        expect(r.stdout).toMatch(/b2: VRRP backup -> master/);
      },
      120_000,
    );

    it('npm run demo: the live table in a terminal', async () => {
      // script(1) gives the demo a terminal; -e passes its exit status on.
      const r = await sh(`script -qec ${JSON.stringify('npm run demo -- --duration 8')} /dev/null`);
      expect(r.code, r.stdout).toBe(0);
      expect(r.stdout).toContain('\u001b[?1049h'); // the alternate screen of the live table
      expect(r.stdout).toContain('answers from s2 while it was dead: 0');
    }, 120_000);

    it('npm run demo -- --backend ipvs: the same in the kernel VM, emulated figures marked', async () => {
      const r = await sh('npm run demo -- --backend ipvs --no-tui --duration 12', 600_000);
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/SUMMARY \(times marked \[emulated CPU\]/);
      expect(r.stdout).toContain('answers from s2 while it was dead: 0');
      expect(r.stdout).toMatch(
        /answered by line \{s1,s2,s3\}, dns \{s1,s2,s3\}, http \{s1,s2,s3\}/,
      );
      // The emulated CPU is ~15x slower: setup takes a minute, the scenario must not stretch.
      const scenario = Number(r.stdout.match(/then the scenario ([\d.]+) s/)?.[1]);
      expect(scenario).toBeGreaterThanOrEqual(12);
      expect(scenario).toBeLessThan(18);
    }, 600_000);
  });

  describe('the nft-lb lines', () => {
    beforeAll(async () => {
      const r = await sh('npm run build');
      expect(r.code, r.stderr).toBe(0);
    }, 240_000);

    it('npm run build: examples/dist exists', () => {
      expect(existsSync(join(root, 'examples/dist/nft-lb.js'))).toBe(true);
    });

    it('npx nft-lb --check: the example rules file is valid', async () => {
      const r = await sh(`npx nft-lb --check --rules ${RULES}`);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`${RULES}: OK, 2 service(s), 4 destination(s)`);
    });

    it('npx nft-lb --render: prints the nft script', async () => {
      const r = await sh(`npx nft-lb --render --rules ${RULES}`);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('add table inet nft_lb');
      expect(r.stdout).toContain('198.51.100.12');
    });

    it.skipIf(!isRoot || !existsSync('/usr/sbin/keepalived'))(
      'npx nft-lb --check --ha: OK on a node with eth0 and eth1, keepalived -t accepts it',
      async () => {
        const lab = new NetnsLab('lbkr');
        try {
          await lab.add('node');
          await lab.exec('node', [
            'ip',
            'link',
            'add',
            'eth0',
            'type',
            'veth',
            'peer',
            'name',
            'eth1',
          ]);
          const r = await sh(`ip netns exec ${lab.ns('node')} ${HA_CHECK}`);
          expect(r.code, r.stderr).toBe(0);
          expect(r.stdout).toMatch(/ha\.yaml: OK, VRRPv3 lbkit_vip on eth0/);
          expect(r.stdout).toMatch(/keepalived -t accepts it/);
        } finally {
          await lab.destroy();
        }
      },
    );

    it('npx nft-lb --help works (a real bin after npm ci)', async () => {
      const r = await sh('npx nft-lb --help');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^Usage: nft-lb/);
    });
  });

  describe('the systemd unit', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'lbkit-unit-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('installs from the checkout: the paths exist and systemd-analyze verify passes', async () => {
      const unit = join(dir, 'nft-lb.service');
      const r = await sh(
        UNIT_INSTALL.replace('/etc/systemd/system/nft-lb.service', JSON.stringify(unit)),
      );
      expect(r.code, r.stderr).toBe(0);
      const text = readFileSync(unit, 'utf8');
      const scripts = [...text.matchAll(/^ExecStart(?:Pre)?=\/usr\/bin\/node "([^"]+)"/gm)].map(
        (m) => m[1],
      );
      expect(scripts).toEqual([
        join(root, 'examples/dist/nft-lb.js'),
        join(root, 'examples/dist/nft-lb.js'),
      ]);
      if (existsSync('/usr/bin/systemd-analyze')) {
        const verify = await sh(`systemd-analyze verify ${JSON.stringify(unit)}`);
        expect(verify.code, verify.stderr).toBe(0);
        expect(verify.stderr).toBe('');
      }
    });
  });
});
