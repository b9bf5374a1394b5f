/**
 * Everything @lbkit/ha does to the OS, behind one interface (`HaSystem`) so
 * the controller is testable offline with a fake: files of the run
 * directory, the notify FIFO, processes (keepalived, `ip`), signals and
 * timers. `nodeSystem()` is the real one (Linux).
 * @module
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  constants,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { err, ok, type Result } from 'neverthrow';
import { type HaError, haError } from './errors.js';

/** A running child process. */
export interface ChildHandle {
  readonly pid: number | undefined;
  kill(signal: NodeJS.Signals): void;
}

/** Callbacks of a spawned child. */
export interface ChildEvents {
  /** One stdout or stderr line. */
  readonly onLine: (line: string) => void;
  /** It exited (after `onLine` for its last output). */
  readonly onExit: (code: number | null, signal: NodeJS.Signals | null) => void;
}

/** What lbkit needs from the OS. */
export interface HaSystem {
  now(): number;
  /** Runs `fn` after `ms`; returns the cancel function. */
  timer(fn: () => void, ms: number): () => void;
  /** `mkdir -p`, the last level with mode 0700. */
  ensureDir(path: string): Result<void, HaError>;
  /** Writes `text` to a temporary file and renames it over `path` (readers never see half a file). */
  writeFileAtomic(path: string, text: string): Result<void, HaError>;
  /** Makes `path` a FIFO (mode 0600, `mkfifo`) unless it is one; fails when it is something else. */
  ensureFifo(path: string): Promise<Result<void, HaError>>;
  /** Reads lines from a FIFO, opened read-write so a writer's exit is never an end of file. */
  openFifo(path: string, onLine: (line: string) => void): Result<{ close(): void }, HaError>;
  /** Removes a file (a stale lock or socket); nothing when it is not there. */
  removeFile(path: string): void;
  /** The pid in a pid file, or undefined. */
  readPid(path: string): number | undefined;
  /** True when `pid` is a running keepalived process. */
  isKeepalived(pid: number): boolean;
  /** Sends a signal; false when there is no such process. */
  signal(pid: number, signal: NodeJS.Signals): boolean;
  spawn(argv: readonly string[], events: ChildEvents): ChildHandle;
  /** Runs a short command (with `input` on its stdin); resolves with its exit code and output. */
  run(argv: readonly string[], input?: string): Promise<{ code: number; output: string }>;
  /** Sets this process's title (and so its Linux `comm`). */
  setProcessTitle(name: string): void;
}

const ioError = (what: string, path: string, error: unknown): HaError =>
  haError('io', `${what} ${path}: ${(error as Error).message}`);

/** The real system (Linux). */
export function nodeSystem(): HaSystem {
  return {
    now: () => Date.now(),
    timer(fn, ms) {
      const t = setTimeout(fn, ms);
      return () => clearTimeout(t);
    },
    ensureDir(path) {
      try {
        mkdirSync(path, { recursive: true, mode: 0o700 });
        return ok(undefined);
      } catch (error) {
        return err(ioError('cannot create', path, error));
      }
    },
    writeFileAtomic(path, text) {
      const tmp = `${path}.tmp-${process.pid}`;
      try {
        const fd = openSync(tmp, 'w', 0o600);
        try {
          writeSync(fd, text);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        renameSync(tmp, path);
        return ok(undefined);
      } catch (error) {
        return err(ioError('cannot write', path, error));
      }
    },
    async ensureFifo(path) {
      try {
        const info = lstatSync(path, { throwIfNoEntry: false });
        if (info && !info.isFIFO()) return err(haError('io', `${path} exists and is not a FIFO`));
        if (info) {
          chmodSync(path, 0o600);
          return ok(undefined);
        }
      } catch (error) {
        return err(ioError('cannot inspect', path, error));
      }
      const made = await this.run(['mkfifo', '-m', '0600', path]);
      return made.code === 0
        ? ok(undefined)
        : err(haError('io', `cannot create the FIFO ${path}: ${made.output}`));
    },
    openFifo(path, onLine) {
      try {
        const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOFOLLOW);
        const socket = new Socket({ fd, readable: true, writable: false });
        socket.on('error', () => {});
        const lines = createInterface({ input: socket, crlfDelay: Number.POSITIVE_INFINITY });
        lines.on('line', onLine);
        return ok({
          close() {
            lines.close();
            socket.destroy();
          },
        });
      } catch (error) {
        return err(ioError('cannot open the notify FIFO', path, error));
      }
    },
    removeFile(path) {
      rmSync(path, { force: true });
    },
    readPid(path) {
      try {
        const text = readFileSync(path, 'utf8').trim();
        return /^\d{1,10}$/.test(text) ? Number(text) : undefined;
      } catch {
        return undefined;
      }
    },
    isKeepalived(pid) {
      try {
        const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
        const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
        return comm === 'keepalived' && state !== 'Z';
      } catch {
        return false;
      }
    },
    signal(pid, signal) {
      try {
        process.kill(pid, signal);
        return true;
      } catch {
        return false;
      }
    },
    spawn(argv, events) {
      const child: ChildProcess = spawn(argv[0]!, argv.slice(1), {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let open = 2;
      let exit: [number | null, NodeJS.Signals | null] | undefined;
      const finish = () => {
        if (open === 0 && exit) events.onExit(exit[0], exit[1]);
      };
      for (const stream of [child.stdout, child.stderr]) {
        if (!stream) {
          open--;
          continue;
        }
        const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
        lines.on('line', events.onLine);
        lines.on('close', () => {
          open--;
          finish();
        });
      }
      child.on('error', (error) => events.onLine(`cannot start ${argv[0]}: ${error.message}`));
      child.on('close', (code, signal) => {
        exit = [code, signal];
        open = 0;
        finish();
      });
      return {
        pid: child.pid,
        kill(signal) {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        },
      };
    },
    run(argv, input) {
      return new Promise((resolve) => {
        const child = execFile(
          argv[0]!,
          argv.slice(1),
          { encoding: 'utf8', timeout: 20_000 },
          (error, stdout, stderr) => {
            const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
            resolve({ code, output: `${stdout}${stderr}`.trim() });
          },
        );
        // A command that exits without reading its stdin must not break us (EPIPE).
        child.stdin?.on('error', () => {});
        child.stdin?.end(input ?? '');
      });
    },
    setProcessTitle(name) {
      process.title = name;
    },
  };
}
