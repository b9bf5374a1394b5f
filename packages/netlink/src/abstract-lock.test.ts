import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { acquireAbstractLock } from './abstract-lock.js';

const unique = (what: string): string => `lbkit-test/${what}/${process.pid}/${Math.random()}`;

describe('acquireAbstractLock', () => {
  it('is exclusive and names the holder; released, it can be taken again', () => {
    const name = unique('exclusive');
    const first = acquireAbstractLock(name)._unsafeUnwrap();
    const second = acquireAbstractLock(name)._unsafeUnwrapErr();
    expect(second.kind).toBe('busy');
    expect(second.holderPid).toBe(process.pid);
    expect(second.message).toMatch(new RegExp(`process ${process.pid}`));
    first.release();
    first.release();
    acquireAbstractLock(name)._unsafeUnwrap().release();
  });

  it('is freed by the kernel when its holder is killed with SIGKILL', async () => {
    const name = unique('kill9');
    const holder = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./testdata/hold-lock.ts', import.meta.url)), name],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.once('data', () => resolve());
        holder.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
      });
      const busy = acquireAbstractLock(name)._unsafeUnwrapErr();
      expect(busy.kind).toBe('busy');
      expect(busy.holderPid).toBe(holder.pid);
      const exited = new Promise((resolve) => holder.once('exit', resolve));
      holder.kill('SIGKILL');
      await exited;
      acquireAbstractLock(name)._unsafeUnwrap().release();
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('refuses an empty or oversized name', () => {
    expect(acquireAbstractLock('')._unsafeUnwrapErr().kind).toBe('invalid');
    expect(acquireAbstractLock('x'.repeat(108))._unsafeUnwrapErr().kind).toBe('invalid');
  });
});
