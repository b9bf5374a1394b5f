/**
 * conntrackd's life under lbkit: started as a child (`supervise`, in the
 * foreground, its own config, lock file and control socket under the run
 * directory) and restarted with a backoff when it dies, or used as the
 * operator runs it (`attach`: lbkit only talks to its socket). A dead
 * conntrackd leaves its lock file behind (it refuses to start while that is
 * there): lbkit removes it before every start.
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import { conntrackdArgv, conntrackdCommandArgv } from './conntrackd-argv.js';
import { type HaError, haError } from './errors.js';
import type { ConntrackdConfig, HaConfig } from './options.js';
import { MAX_RESTART_DELAY_MS, STABLE_RUN_MS } from './supervisor.js';
import type { ChildHandle, HaSystem } from './system.js';

/** conntrackd as lbkit sees it. */
export type ConntrackdState = 'stopped' | 'running' | 'restarting';

/** A conntrackd lifecycle event. */
export interface ConntrackdEvent {
  readonly state: ConntrackdState;
  readonly at: number;
  readonly pid?: number;
  readonly exit?: { readonly code: number | null; readonly signal: string | null };
  readonly message: string;
}

/** Status of conntrackd. */
export interface ConntrackdStatus {
  readonly state: ConntrackdState;
  readonly pid?: number;
  /** Times lbkit started it again after it died. */
  readonly restarts: number;
}

/** What one client command did. */
export interface CommandResult {
  readonly code: number;
  readonly output: string;
  readonly ms: number;
}

/** How long a starting conntrackd may take to answer on its socket. */
export const CONNTRACKD_READY_MS = 5000;
const STOP_WAIT_MS = 5000;

const sleep = (system: HaSystem, ms: number) =>
  new Promise<void>((resolve) => system.timer(resolve, ms));

/** Runs (or talks to) conntrackd for one config. */
export class ConntrackdSupervisor {
  readonly #config: HaConfig;
  readonly #c: ConntrackdConfig;
  readonly #system: HaSystem;
  readonly #onEvent: (e: ConntrackdEvent) => void;
  readonly #onLog: (line: string) => void;
  #state: ConntrackdState = 'stopped';
  #child: ChildHandle | undefined;
  #startedAt = 0;
  #restarts = 0;
  #quickDeaths = 0;
  #stopping = false;
  #cancelTimer: (() => void) | undefined;
  #exited: (() => void) | undefined;

  constructor(
    config: HaConfig,
    c: ConntrackdConfig,
    system: HaSystem,
    hooks: { onEvent: (e: ConntrackdEvent) => void; onLog: (line: string) => void },
  ) {
    this.#config = config;
    this.#c = c;
    this.#system = system;
    this.#onEvent = hooks.onEvent;
    this.#onLog = hooks.onLog;
  }

  status(): ConntrackdStatus {
    return {
      state: this.#state,
      ...(this.#child?.pid !== undefined && { pid: this.#child.pid }),
      restarts: this.#restarts,
    };
  }

  /** A client command (`conntrackd -C <file> <args>`), timed. */
  async command(args: readonly string[]): Promise<CommandResult> {
    const start = this.#system.now();
    const r = await this.#system.run(conntrackdCommandArgv(this.#c, args));
    return { ...r, ms: this.#system.now() - start };
  }

  /**
   * Supervise: stops a conntrackd left on the same socket, removes its lock,
   * starts conntrackd and waits until it answers (`-s`). Attach: checks that
   * the operator's conntrackd answers. Fails with `conntrackd` otherwise.
   */
  async start(): Promise<Result<void, HaError>> {
    this.#stopping = false;
    if (this.#c.mode === 'attach') {
      const r = await this.command(['-s']);
      if (r.code !== 0) {
        return err(
          haError(
            'conntrackd',
            `conntrackd does not answer on ${this.#c.files.socket}: ${r.output}`,
          ),
        );
      }
      this.#set('running', 'using the conntrackd the operator runs');
      return ok(undefined);
    }
    if ((await this.command(['-s'])).code === 0) {
      this.#onLog('lbkit: stopping the conntrackd left on its socket by an earlier run');
      await this.command(['-k']);
    }
    this.#spawn();
    const until = this.#system.now() + CONNTRACKD_READY_MS;
    for (;;) {
      if (this.#state !== 'running') break;
      if ((await this.command(['-s'])).code === 0) return ok(undefined);
      if (this.#system.now() > until) break;
      await sleep(this.#system, 50);
    }
    await this.stop();
    return err(
      haError(
        'conntrackd',
        `conntrackd did not start on ${this.#c.files.config} (see its log lines)`,
      ),
    );
  }

  /** Stops conntrackd (supervised: SIGTERM, then SIGKILL after 5 s). */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#cancelTimer?.();
    const child = this.#child;
    if (child) {
      const exited = new Promise<void>((resolve) => {
        this.#exited = resolve;
      });
      child.kill('SIGTERM');
      const done = await Promise.race([
        exited.then(() => true),
        sleep(this.#system, STOP_WAIT_MS).then(() => false),
      ]);
      if (!done) {
        child.kill('SIGKILL');
        await Promise.race([exited, sleep(this.#system, STOP_WAIT_MS)]);
      }
      this.#system.removeFile(this.#c.files.lock);
    }
    this.#child = undefined;
    this.#set('stopped', 'stopped by lbkit');
  }

  #set(state: ConntrackdState, message: string, extra: Partial<ConntrackdEvent> = {}): void {
    this.#state = state;
    const pid = this.#child?.pid;
    this.#onEvent({
      state,
      at: this.#system.now(),
      ...(pid !== undefined && { pid }),
      ...extra,
      message,
    });
  }

  #spawn(): void {
    // A conntrackd that died (SIGKILL, OOM) left its lock file: it would refuse to start.
    this.#system.removeFile(this.#c.files.lock);
    this.#startedAt = this.#system.now();
    const child = this.#system.spawn(conntrackdArgv(this.#config, this.#c), {
      onLine: (line) => this.#onLog(line),
      onExit: (code, signal) => this.#onExit(child, code, signal),
    });
    this.#child = child;
    this.#set('running', `conntrackd started (pid ${child.pid ?? '?'})`);
  }

  #onExit(child: ChildHandle, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.#child) return;
    if (this.#stopping) {
      this.#exited?.();
      return;
    }
    const at = this.#system.now();
    const how = signal !== null ? `killed by ${signal}` : `exited with code ${code}`;
    this.#set('restarting', `conntrackd ${how}`, { exit: { code, signal } });
    this.#child = undefined;
    this.#quickDeaths = at - this.#startedAt >= STABLE_RUN_MS ? 1 : this.#quickDeaths + 1;
    const delay = Math.min(
      MAX_RESTART_DELAY_MS,
      this.#c.restartDelayMs * 2 ** (this.#quickDeaths - 1),
    );
    this.#cancelTimer = this.#system.timer(() => {
      if (this.#stopping) return;
      this.#restarts++;
      this.#spawn();
    }, delay);
  }
}
