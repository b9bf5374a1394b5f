import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { catchesSignal, reloadWhenHandled } from './reload-pid.js';

describe('catchesSignal', () => {
  it('reads SigCgt of /proc/PID/status', () => {
    const status =
      'Name:\tnode\nSigBlk:\t0000000000000000\nSigIgn:\t0000000001001000\nSigCgt:\t0000000188004603\n';
    expect(catchesSignal(status, 1)).toBe(true); // SIGHUP
    expect(catchesSignal(status, 2)).toBe(true); // SIGINT
    expect(catchesSignal(status, 3)).toBe(false); // SIGQUIT
    expect(catchesSignal(status, 15)).toBe(true); // SIGTERM
    expect(catchesSignal('SigCgt:\t0000000000000000\n', 1)).toBe(false);
    expect(catchesSignal('garbage', 1)).toBe(false);
  });
});

describe('reloadWhenHandled', () => {
  it('waits until the process handles SIGHUP, then sends it (the process survives)', async () => {
    const script =
      "setTimeout(() => process.on('SIGHUP', () => { process.stdout.write('reloaded'); process.exit(0); }), 300); setTimeout(() => {}, 10000);";
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const exited = new Promise<[number | null, string | null]>((resolve) =>
      child.once('exit', (code, signal) => resolve([code, signal])),
    );
    const sent = await reloadWhenHandled(child.pid!, { timeoutMs: 8000 });
    expect(sent.isOk()).toBe(true);
    expect(await exited).toEqual([0, null]);
    expect(out).toBe('reloaded');
  });

  it('fails for a process that is not there, or never handles SIGHUP', async () => {
    expect((await reloadWhenHandled(0x3ffffff0))._unsafeUnwrapErr()).toMatch(/no process/);
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'], {
      stdio: 'ignore',
    });
    try {
      const sent = await reloadWhenHandled(child.pid!, { timeoutMs: 300 });
      expect(sent._unsafeUnwrapErr()).toMatch(/did not handle SIGHUP within 300 ms/);
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGKILL');
    }
  });
});
