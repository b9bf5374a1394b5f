import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execProbe, MAX_EXEC_OUTPUT } from './exec-probe.js';

const SH = '/bin/sh';
const target = { address: '198.51.100.7', port: 8080 };
const dir = mkdtempSync(join(tmpdir(), 'lbkit-exec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (script: string, options: { dynamic?: boolean; timeoutMs?: number } = {}) =>
  execProbe({ argv: [SH, '-c', script, 'check', '{address}', '{port}'], ...options }).check(
    target,
    { timeoutMs: options.timeoutMs ?? 2000 },
  );

/** True while `pid` runs (a zombie, killed but not yet reaped, counts as gone). */
const alive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

describe('execProbe (keepalived MISC_CHECK)', () => {
  it('exit 0 = up, non-zero = down with the first line of output', async () => {
    expect((await run('echo fine; exit 0'))._unsafeUnwrap()).toMatchObject({ identity: 'fine' });
    expect((await run('echo broken >&2; exit 3'))._unsafeUnwrapErr()).toMatchObject({
      kind: 'mismatch',
      message: '/bin/sh: exit 3: broken',
    });
    expect((await run('kill -TERM $$'))._unsafeUnwrapErr().message).toMatch(/killed by SIGTERM/);
  });

  it('misc_dynamic: 0 = up, weight unchanged; 1 = down; 2..255 = up with weight code - 2', async () => {
    expect((await run('exit 0', { dynamic: true }))._unsafeUnwrap().agent).toBeUndefined();
    expect((await run('exit 1', { dynamic: true })).isErr()).toBe(true);
    expect((await run('exit 2', { dynamic: true }))._unsafeUnwrap().agent).toEqual({ weight: 0 });
    expect((await run('exit 255', { dynamic: true }))._unsafeUnwrap().agent).toEqual({
      weight: 253,
    });
  });

  it('no shell around argv, the target filled in, a minimal environment', async () => {
    const r = await run('echo "$1:$2 $LBKIT_ADDRESS $LBKIT_PORT $(env | wc -l)"; exit 0');
    // PATH, LBKIT_ADDRESS, LBKIT_PORT, plus PWD that sh itself sets.
    expect(r._unsafeUnwrap().identity).toBe('198.51.100.7:8080 198.51.100.7 8080 4');
    const semicolon = await execProbe({ argv: ['/bin/echo', 'a; exit 1'] }).check(target, {
      timeoutMs: 2000,
    });
    expect(semicolon._unsafeUnwrap().identity).toBe('a; exit 1');
  });

  it('bounds output: a flood of stdout is read and dropped, the check still ends', async () => {
    const r = await run(`head -c 5000000 /dev/zero | tr '\\0' x; exit 1`);
    const message = r._unsafeUnwrapErr().message;
    expect(message.length).toBeLessThanOrEqual(600);
    expect(MAX_EXEC_OUTPUT).toBe(4096);
  });

  it('the timeout kills the child and its children (the process group)', async () => {
    const pids = join(dir, 'pids');
    const started = performance.now();
    const r = await run(`sleep 30 & echo $! > ${pids}; echo $$ >> ${pids}; wait`, {
      timeoutMs: 300,
    });
    expect(r._unsafeUnwrapErr().kind).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(1500);
    const [grandchild, child] = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(alive(child!)).toBe(false);
    expect(alive(grandchild!)).toBe(false);
  });

  it('what a finished check left running in the background is killed too', async () => {
    const pids = join(dir, 'bg');
    const r = await run(`sleep 30 > /dev/null 2>&1 & echo $! > ${pids}; exit 0`);
    expect(r.isOk()).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(alive(Number(readFileSync(pids, 'utf8')))).toBe(false);
  });

  it('a program that cannot start, and bad argv, fail with kind internal', async () => {
    const missing = await execProbe({ argv: ['/nonexistent/check'] }).check(target, {
      timeoutMs: 1000,
    });
    expect(missing._unsafeUnwrapErr().kind).toBe('internal');
    const relative = await execProbe({ argv: ['check.sh'] }).check(target, { timeoutMs: 1000 });
    expect(relative._unsafeUnwrapErr().message).toMatch(/absolute/);
  });

  it('abort kills the group and releases the pipes', async () => {
    const script = join(dir, 'slow.sh');
    const pidFile = join(dir, 'slow.pid');
    writeFileSync(script, `#!/bin/sh\necho $$ > ${pidFile}\nexec sleep 30\n`, { mode: 0o755 });
    const controller = new AbortController();
    const pending = execProbe({ argv: [script] }).check(target, {
      timeoutMs: 10_000,
      signal: controller.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const sleeping = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(sleeping)).toBe(true);
    controller.abort();
    expect((await pending)._unsafeUnwrapErr().kind).toBe('aborted');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(alive(sleeping)).toBe(false);
  });
});
