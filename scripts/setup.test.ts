/**
 * scripts/setup: one quiet line when everything is present, and its wait for a
 * package lock held by another process (scripts/apt-lock-wait), on a real POSIX
 * lock taken by perl (Essential in Debian) on a file of our own, never apt's.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const execFileAsync = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const script = (name: string) => join(root, 'scripts', name);

/** Runs a script; resolves with its status and output (never rejects on a non-zero exit). */
async function run(
  argv: string[],
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  try {
    const { stdout, stderr } = await execFileAsync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
    return { code: 0, stdout, stderr, ms: performance.now() - started };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr, ms: performance.now() - started };
  }
}

/** Holds a POSIX write lock (fcntl F_SETLK, as apt and dpkg take) on `file` for `ms`. */
async function holdLock(file: string, ms: number): Promise<ChildProcess> {
  // struct flock on x86-64: short type, short whence, (pad), off_t start, off_t len, pid_t pid, (pad).
  const perl = `use Fcntl; open(my $f, ">>", $ARGV[0]) or die "open: $!";
    fcntl($f, F_SETLK, pack("s s x4 q q i x4", F_WRLCK, SEEK_SET, 0, 0, 0)) or die "lock: $!";
    $| = 1; print "locked\\n"; select(undef, undef, undef, ${ms / 1000});`;
  const child = spawn('perl', ['-e', perl, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`perl could not take the lock (exit ${code})`)));
  });
  return child;
}

describe('scripts/apt-lock-wait', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lbkit-lock-'));
  const lock = join(dir, 'lock');
  const holders: ChildProcess[] = [];
  afterAll(() => {
    for (const child of holders) if (child.exitCode === null) child.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns at once when nobody holds the lock', async () => {
    const r = await run([script('apt-lock-wait'), '--timeout', '5', lock]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.ms).toBeLessThan(1000);
  });

  it('waits while another process holds the lock, naming it', async () => {
    const holder = await holdLock(lock, 1500);
    holders.push(holder);
    const r = await run([script('apt-lock-wait'), '--timeout', '20', lock]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      `waiting for another package manager: ${holder.pid} (perl) holds ${lock}`,
    );
    expect(r.ms).toBeGreaterThan(900);
  });

  it('gives up after --timeout with a message, exit 1', async () => {
    const holder = await holdLock(lock, 10_000);
    holders.push(holder);
    const r = await run([script('apt-lock-wait'), '--timeout', '1', lock]);
    holder.kill();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`still locked after 1s: ${holder.pid} (perl) holds ${lock}`);
    expect(r.ms).toBeLessThan(5000);
  });
});

describe.skipIf(process.getuid?.() !== 0)('scripts/setup (root)', () => {
  it('prints one line and changes nothing when everything is present', async () => {
    const check = await run([script('setup'), '--check']);
    if (check.code !== 0) {
      // Only here: setup would install for real in the middle of the test run.
      if (process.env['CI'] === 'true') throw new Error(`CI=true: ${check.stdout}`);
      console.warn(`scripts/setup test skipped, something is missing:\n${check.stdout}`);
      return;
    }
    const r = await run([script('setup')]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(
      /^setup: everything present \(\d+ Debian packages, npm dependencies\)\n$/,
    );
  });
});
