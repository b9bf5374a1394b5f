import { type ChildProcess, spawn } from 'node:child_process';
import type { ProbeTarget } from '@lbkit/core';
import { CheckScope } from './check-scope.js';
import { type ClosableProbe, invalidProbe } from './closable-probe.js';

/** Options of {@link execProbe}. */
export interface ExecProbeOptions {
  /**
   * Absolute program path, then its arguments; no shell, no PATH search.
   * `{address}` and `{port}` inside an argument are replaced by the target's.
   */
  readonly argv: readonly string[];
  /** keepalived `misc_dynamic`: exit 2..255 = up with weight `code - 2`. Default false. */
  readonly dynamic?: boolean;
  /** Environment of the program. Default: `PATH` only (see `EXEC_PATH`). */
  readonly env?: Readonly<Record<string, string>>;
}

/** The `PATH` an exec check runs with by default. */
export const EXEC_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Bytes of stdout + stderr kept for the failure message; the rest is read and dropped. */
export const MAX_EXEC_OUTPUT = 4096;

/**
 * External check (keepalived `MISC_CHECK`): runs `argv` in its own process
 * group with a minimal environment (`PATH`, `LBKIT_ADDRESS`, `LBKIT_PORT`),
 * stdin closed, stdout/stderr read but only `MAX_EXEC_OUTPUT` bytes kept.
 * Exit 0 = up; any other exit, or a signal, = down (kind `mismatch`, with the
 * first line of output). With `dynamic`, exit 1 = down and 2..255 = up with an
 * absolute weight of `code - 2` (0 = no new flows), exit 0 = up, weight unchanged.
 * The check's timeout (and its abort) kills the whole process group with
 * SIGKILL; so does the end of every check, so nothing it started outlives it.
 * A program that cannot start fails with kind `internal`.
 */
export function execProbe(options: ExecProbeOptions): ClosableProbe {
  const argv = [...(options.argv ?? [])];
  const description = `exec ${argv[0] ?? '?'}`;
  if (argv.length === 0 || !argv[0]!.startsWith('/')) {
    return invalidProbe(description, 'argv[0] must be an absolute program path');
  }
  if (argv.some((a) => typeof a !== 'string' || a.includes('\u0000'))) {
    return invalidProbe(description, 'arguments must be texts without NUL');
  }
  const dynamic = options.dynamic === true;
  return {
    description,
    check: (target, checkOptions) =>
      CheckScope.run(checkOptions, (scope) => run(scope, argv, target, dynamic, options.env)),
    close: async () => {},
  };
}

const fill = (arg: string, target: ProbeTarget): string =>
  arg.replaceAll('{address}', target.address).replaceAll('{port}', String(target.port));

function run(
  scope: CheckScope,
  argv: readonly string[],
  target: ProbeTarget,
  dynamic: boolean,
  env: Readonly<Record<string, string>> | undefined,
): void {
  const child = spawn(
    argv[0]!,
    argv.slice(1).map((a) => fill(a, target)),
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: env ?? {
        PATH: EXEC_PATH,
        LBKIT_ADDRESS: target.address,
        LBKIT_PORT: String(target.port),
      },
    },
  );
  scope.defer(() => release(child));
  let output = '';
  const keep = (chunk: Buffer): void => {
    if (output.length < MAX_EXEC_OUTPUT) {
      output += chunk.toString('utf8', 0, MAX_EXEC_OUTPUT - output.length);
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('error', (error) => scope.fail('internal', `${argv[0]}: ${error.message}`));
  child.once('exit', (code, signal) => {
    const said = firstLine(output);
    if (code === 0) scope.succeed(said || undefined);
    else if (dynamic && code !== null && code >= 2 && code <= 255) {
      scope.succeed(said || undefined, { weight: code - 2 });
    } else {
      const how = code !== null ? `exit ${code}` : `killed by ${signal ?? 'a signal'}`;
      scope.fail('mismatch', `${argv[0]}: ${how}${said ? `: ${said}` : ''}`);
    }
  });
}

/** Kills the child's process group (the child and whatever it started) and drops its pipes. */
function release(child: ChildProcess): void {
  if (child.pid !== undefined) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // ESRCH: the group is gone already.
    }
  }
  child.stdout?.destroy();
  child.stderr?.destroy();
}

function firstLine(text: string): string {
  const end = text.search(/\r?\n/);
  return (end >= 0 ? text.slice(0, end) : text).slice(0, 200).trim();
}
