/**
 * Test helpers: run an example program inside a lab namespace, wait for its
 * log lines, and ask a VIP from the client namespace who answers.
 */
import type { ChildProcess } from 'node:child_process';
import type { NetnsLab } from '@lbkit/core/testing';
import { onLines, waitFor } from '../common/lines.js';
import { type ProgramName, programArgv } from '../programs.js';
import type { TraceResult } from '../trace/trace.js';
import { parseTraceLine } from '../trace/trace-line.js';

/** A program running in a namespace, with its output kept line by line. */
export interface RunningProgram {
  readonly child: ChildProcess;
  /** stdout and stderr lines, in arrival order. */
  readonly lines: string[];
  /** Resolves with the first line (from `from` on) matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs?: number, from?: number): Promise<string>;
  /** Sends `signal` and waits for the exit; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts program `name` in `role`'s namespace. */
export function startProgram(
  lab: NetnsLab,
  role: string,
  name: ProgramName,
  args: readonly string[],
): RunningProgram {
  const child = lab.spawn(role, [...programArgv(name), ...args]);
  const lines: string[] = [];
  onLines(child.stdout, (line) => lines.push(line));
  onLines(child.stderr, (line) => lines.push(line));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return {
    child,
    lines,
    async waitForLine(pattern, timeoutMs = 15_000, from = 0) {
      let found: string | undefined;
      await waitFor(
        () => {
          found = lines.slice(from).find((l) => pattern.test(l));
          if (found === undefined && child.exitCode !== null) {
            throw new Error(
              `${name} exited (${child.exitCode}) before ${pattern}:\n${lines.join('\n')}`,
            );
          }
          return found !== undefined;
        },
        timeoutMs,
        () => `${name}: ${pattern}\n${lines.join('\n')}`,
      );
      return found ?? '';
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
    },
  };
}

/** Starts the lab name server `name` in the role of that name; resolves once it listens. */
export async function startNameServer(lab: NetnsLab, name: string): Promise<ChildProcess> {
  const child = lab.spawn(name, [...programArgv('name-server'), '--name', name]);
  let ready = false;
  onLines(child.stdout, (line) => {
    if (line === `ready ${name}`) ready = true;
  });
  await waitFor(() => ready, 15_000, `name server ${name}`);
  return child;
}

/** Runs `rounds` traced requests from `role` to `host` (`target` like `tcp:7000`). */
export async function traceFrom(
  lab: NetnsLab,
  role: string,
  host: string,
  target: string,
  rounds: number,
  extra: readonly string[] = [],
): Promise<TraceResult[]> {
  const argv = [...programArgv('trace-client'), '--host', host, '--target', target];
  const result = await lab.exec(role, [
    ...argv,
    '--count',
    String(rounds),
    '--every',
    '10',
    ...extra,
  ]);
  return result.stdout
    .split('\n')
    .map(parseTraceLine)
    .filter((r): r is TraceResult => r !== undefined);
}

/** Counts answers per server name; failures under `FAIL`. */
export function tally(results: readonly TraceResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) {
    const key = r.ok ? (r.server ?? '?') : 'FAIL';
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

/** A background trace loop in `role`; `stop()` resolves with every result. */
export function traceLoop(
  lab: NetnsLab,
  role: string,
  host: string,
  target: string,
  everyMs = 20,
): { started(): Promise<void>; stop(): Promise<TraceResult[]> } {
  const child = lab.spawn(
    role,
    [
      ...programArgv('trace-client'),
      '--host',
      host,
      '--target',
      target,
      '--every',
      String(everyMs),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const results: TraceResult[] = [];
  onLines(child.stdout, (line) => {
    const r = parseTraceLine(line);
    if (r) results.push(r);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    started: () => waitFor(() => results.length >= 5, 20_000, 'the trace loop'),
    async stop() {
      child.stdin?.end();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      return results;
    },
  };
}
