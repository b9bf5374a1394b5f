/**
 * keepalived's life under lbkit: started as a child (`supervise`) and
 * restarted when it dies, or watched through its pid file (`attach`, the
 * operator's keepalived, e.g. its systemd unit).
 *
 * "Only keepalived died": keepalived killed with SIGKILL (both its processes:
 * the parent and its VRRP child) leaves its VIPs on the interfaces, while the
 * peer stops hearing adverts and takes them over: two nodes would answer for
 * the VIP. So when keepalived is gone lbkit waits until its VRRP process is
 * gone too (a VRRP child whose parent died releases the VIPs itself), removes
 * every VIP of its options still on this node, reports the role `stop`, and
 * (supervised) starts keepalived again after a backoff; it comes back as
 * BACKUP and takes the VIP back only by the usual election (preempt).
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import { type HaError, haError } from './errors.js';
import { configTestArgv, keepalivedArgv, removeAddressesCommand } from './keepalived-argv.js';
import type { HaConfig, Vip } from './options.js';
import type { ChildHandle, HaSystem } from './system.js';

/** keepalived as lbkit sees it. */
export type KeepalivedState =
  /** Not started yet, or stopped by lbkit. */
  | 'stopped'
  | 'starting'
  | 'running'
  /** Died; cleaning up, then (supervised) started again. */
  | 'restarting'
  /** Attached, and no keepalived is running. */
  | 'absent';

/** A keepalived lifecycle event. */
export interface KeepalivedEvent {
  readonly state: KeepalivedState;
  readonly at: number;
  readonly pid?: number;
  /** How it ended (`exited` events). */
  readonly exit?: { readonly code: number | null; readonly signal: string | null };
  readonly message: string;
}

/** What the supervisor reports to its owner. */
export interface SupervisorHooks {
  readonly onEvent: (event: KeepalivedEvent) => void;
  readonly onLog: (line: string) => void;
  /** keepalived is gone (after the cleanup): the role is `stop`. */
  readonly onGone: (reason: string) => void;
  /** VIPs lbkit removed because keepalived died holding them. */
  readonly onVipsRemoved: (addresses: readonly string[], failures: readonly string[]) => void;
}

/** Status of keepalived. */
export interface KeepalivedStatus {
  readonly state: KeepalivedState;
  readonly pid?: number;
  /** Times lbkit started it again after it died. */
  readonly restarts: number;
  readonly lastExit?: {
    readonly code: number | null;
    readonly signal: string | null;
    readonly at: number;
  };
}

/** Longest restart delay. */
export const MAX_RESTART_DELAY_MS = 10_000;
/** A run this long resets the backoff. */
export const STABLE_RUN_MS = 30_000;
/** Attached: how often the pid file is looked at. */
export const WATCH_INTERVAL_MS = 100;
/** How long a dying VRRP child may take to release its VIPs. */
const VRRP_EXIT_WAIT_MS = 2000;
/** How long keepalived may take to stop on SIGTERM. */
const STOP_WAIT_MS = 5000;

const sleep = (system: HaSystem, ms: number) =>
  new Promise<void>((resolve) => system.timer(resolve, ms));

/** Runs or watches keepalived for one config. */
export class KeepalivedSupervisor {
  readonly #config: HaConfig;
  readonly #system: HaSystem;
  readonly #hooks: SupervisorHooks;
  #state: KeepalivedState = 'stopped';
  #child: ChildHandle | undefined;
  #pid: number | undefined;
  #startedAt = 0;
  #restarts = 0;
  #quickDeaths = 0;
  #lastExit: KeepalivedStatus['lastExit'];
  #stopping = false;
  #cancelTimer: (() => void) | undefined;
  #exited: (() => void) | undefined;

  constructor(config: HaConfig, system: HaSystem, hooks: SupervisorHooks) {
    this.#config = config;
    this.#system = system;
    this.#hooks = hooks;
  }

  /** Status of keepalived. */
  status(): KeepalivedStatus {
    return {
      state: this.#state,
      ...(this.#pid !== undefined && { pid: this.#pid }),
      restarts: this.#restarts,
      ...(this.#lastExit !== undefined && { lastExit: this.#lastExit }),
    };
  }

  /** Supervise: checks the config and starts keepalived. Attach: starts watching its pid file. */
  async start(): Promise<Result<void, HaError>> {
    this.#stopping = false;
    if (this.#config.mode === 'attach') {
      this.#set('absent', 'watching keepalived through its pid file');
      this.#watch();
      return ok(undefined);
    }
    const test = await this.#system.run(configTestArgv(this.#config));
    if (test.code !== 0) {
      return err(
        haError('keepalived', `keepalived -t refused ${this.#config.files.config}: ${test.output}`),
      );
    }
    await this.#stopStale();
    await this.#removeVips('before starting keepalived');
    this.#spawn();
    return ok(undefined);
  }

  /** Stops keepalived (supervised: SIGTERM, it releases its VIPs) or the watch (attached). */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#cancelTimer?.();
    const child = this.#child;
    if (this.#config.mode === 'supervise' && child) {
      const exited = new Promise<void>((resolve) => {
        this.#exited = resolve;
      });
      child.kill('SIGTERM');
      const stopped = await Promise.race([
        exited.then(() => true),
        sleep(this.#system, STOP_WAIT_MS).then(() => false),
      ]);
      if (!stopped) {
        child.kill('SIGKILL');
        await Promise.race([exited, sleep(this.#system, STOP_WAIT_MS)]);
        await this.#afterDeath('keepalived did not stop on SIGTERM and was killed');
      }
    }
    this.#set('stopped', 'stopped by lbkit');
  }

  #set(state: KeepalivedState, message: string, extra: Partial<KeepalivedEvent> = {}): void {
    this.#state = state;
    this.#hooks.onEvent({
      state,
      at: this.#system.now(),
      ...(this.#pid !== undefined && { pid: this.#pid }),
      ...extra,
      message,
    });
  }

  #spawn(): void {
    const argv = keepalivedArgv(this.#config);
    this.#startedAt = this.#system.now();
    const child = this.#system.spawn(argv, {
      onLine: (line) => this.#hooks.onLog(line),
      onExit: (code, signal) => void this.#onExit(child, code, signal),
    });
    this.#child = child;
    this.#pid = child.pid;
    this.#set('running', `keepalived started (pid ${child.pid ?? '?'})`);
  }

  async #onExit(
    child: ChildHandle,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): Promise<void> {
    if (child !== this.#child) return;
    this.#child = undefined;
    const at = this.#system.now();
    this.#lastExit = { code, signal, at };
    const how = signal !== null ? `killed by ${signal}` : `exited with code ${code}`;
    if (this.#stopping) {
      this.#exited?.();
      return;
    }
    this.#set('restarting', `keepalived ${how}`, { exit: { code, signal } });
    await this.#afterDeath(`keepalived ${how}`);
    if (this.#stopping) return;
    // Backoff: consecutive quick deaths double the delay; a long run resets it.
    this.#quickDeaths = at - this.#startedAt >= STABLE_RUN_MS ? 1 : this.#quickDeaths + 1;
    const delay = Math.min(
      MAX_RESTART_DELAY_MS,
      this.#config.restartDelayMs * 2 ** (this.#quickDeaths - 1),
    );
    this.#cancelTimer = this.#system.timer(() => {
      if (this.#stopping) return;
      this.#restarts++;
      this.#spawn();
    }, delay);
  }

  /** keepalived is gone: wait for its VRRP process, drop the VIPs it left, report. */
  async #afterDeath(reason: string): Promise<void> {
    const vrrp = this.#system.readPid(this.#config.files.vrrpPid);
    if (vrrp !== undefined && this.#system.isKeepalived(vrrp)) {
      const until = this.#system.now() + VRRP_EXIT_WAIT_MS;
      while (this.#system.isKeepalived(vrrp) && this.#system.now() < until)
        await sleep(this.#system, 20);
      if (this.#system.isKeepalived(vrrp)) this.#system.signal(vrrp, 'SIGKILL');
    }
    await this.#removeVips(reason);
    this.#hooks.onGone(reason);
  }

  async #removeVips(reason: string): Promise<void> {
    const vips: Vip[] = [...this.#config.service.vips, ...(this.#config.inner?.vips ?? [])];
    const { argv, input } = removeAddressesCommand(this.#config, vips);
    const r = await this.#system.run(argv, input);
    // `Command failed -:N` names each line that failed; a line whose address was
    // not there ("Cannot assign requested address" / "Address not found") met the goal.
    const failedLines = new Set(
      [...r.output.matchAll(/Command failed -:(\d+)/g)].map((m) => Number(m[1])),
    );
    const absent = /Cannot assign requested address|Address not found/i;
    const errors = r.output
      .split('\n')
      .filter((l) => l.trim() !== '' && !/^Command failed/.test(l) && !absent.test(l));
    const removed = vips.filter((_, i) => !failedLines.has(i + 1)).map((v) => v.address);
    const failures = r.code !== 0 && failedLines.size === 0 ? [r.output] : errors;
    if (removed.length > 0 || failures.length > 0) {
      this.#hooks.onLog(`lbkit: ${reason}: removed stale VIPs ${removed.join(', ') || '(none)'}`);
      this.#hooks.onVipsRemoved(removed, failures);
    }
  }

  /** A keepalived left running by an earlier lbkit (killed with SIGKILL): stop it first. */
  async #stopStale(): Promise<void> {
    for (const file of [this.#config.files.pid, this.#config.files.vrrpPid]) {
      const pid = this.#system.readPid(file);
      if (pid === undefined || !this.#system.isKeepalived(pid)) continue;
      this.#hooks.onLog(`lbkit: stopping keepalived pid ${pid} left by an earlier run`);
      this.#system.signal(pid, 'SIGTERM');
      const until = this.#system.now() + STOP_WAIT_MS;
      while (this.#system.isKeepalived(pid) && this.#system.now() < until)
        await sleep(this.#system, 20);
      if (this.#system.isKeepalived(pid)) this.#system.signal(pid, 'SIGKILL');
    }
  }

  /** Attached: follows the pid file. */
  #watch(): void {
    const tick = async (): Promise<void> => {
      if (this.#stopping) return;
      const pid = this.#system.readPid(this.#config.files.pid);
      const alive = pid !== undefined && this.#system.isKeepalived(pid);
      if (alive && this.#state !== 'running') {
        this.#pid = pid;
        this.#set('running', `keepalived is running (pid ${pid})`);
      } else if (!alive && this.#state === 'running') {
        this.#set('restarting', `keepalived (pid ${this.#pid ?? '?'}) is gone`);
        await this.#afterDeath(`keepalived (pid ${this.#pid ?? '?'}) is gone`);
        this.#pid = undefined;
        if (!this.#stopping) this.#set('absent', 'waiting for keepalived to be started again');
      }
      if (!this.#stopping)
        this.#cancelTimer = this.#system.timer(() => void tick(), WATCH_INTERVAL_MS);
    };
    void tick();
  }
}
