/**
 * `nft-lb --reload PID`, the unit's `ExecReload`: sends SIGHUP to a running
 * daemon only once it handles SIGHUP. A SIGHUP that reaches a Node process
 * before its first line of JavaScript runs (Node's own start-up, ~40 ms idle,
 * longer under load) gets the default action and kills it; `systemctl reload`
 * right after a start did exactly that. The kernel says whether a handler is
 * in place: bit 0 of `SigCgt` in `/proc/PID/status`.
 */
import { readFile } from 'node:fs/promises';
import { err, ok, type Result } from 'neverthrow';

/** True when a `/proc/PID/status` text shows a handler for signal number `signal`. */
export function catchesSignal(status: string, signal: number): boolean {
  const mask = /^SigCgt:\s*([0-9a-fA-F]+)$/m.exec(status)?.[1];
  return mask !== undefined && ((BigInt(`0x${mask}`) >> BigInt(signal - 1)) & 1n) === 1n;
}

const SIGHUP = 1;

/** Options of `reloadWhenHandled`. */
export interface ReloadOptions {
  /** Give up after this long. Default 10,000 ms. */
  readonly timeoutMs?: number;
  /** Poll period. Default 20 ms. */
  readonly pollMs?: number;
}

/**
 * Waits until process `pid` handles SIGHUP, then sends it. Fails when the
 * process does not exist (or exits) or has no handler within `timeoutMs`.
 */
export async function reloadWhenHandled(
  pid: number,
  options: ReloadOptions = {},
): Promise<Result<void, string>> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    let status: string;
    try {
      status = await readFile(`/proc/${pid}/status`, 'utf8');
    } catch {
      return err(`no process ${pid}`);
    }
    if (catchesSignal(status, SIGHUP)) {
      try {
        process.kill(pid, 'SIGHUP');
        return ok(undefined);
      } catch (error) {
        return err(`cannot signal ${pid}: ${(error as NodeJS.ErrnoException).code ?? error}`);
      }
    }
    if (Date.now() > deadline) {
      return err(`process ${pid} did not handle SIGHUP within ${options.timeoutMs ?? 10_000} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 20));
  }
}
