/**
 * `createHa`: one node of a balancer pair. Renders keepalived.conf, runs
 * keepalived (or attaches to the operator's), reads its notify FIFO into
 * typed `role` events, and writes lbkit's health into keepalived's
 * track_file (keepalived also watches lbkit's process: track_process).
 * @module
 */
import { type Balancer, TypedEmitter } from '@lbkit/core';
import { err, ok, okAsync, type Result, ResultAsync } from 'neverthrow';
import { watchBalancer } from './balancer-watch.js';
import {
  type ConntrackdEvent,
  type ConntrackdStatus,
  ConntrackdSupervisor,
} from './conntrackd-supervisor.js';
import { type HaError, haError } from './errors.js';
import { FlowSync, type FlowSyncStatus, type GuardScripts, type SyncEvent } from './flow-sync.js';
import { HealthReasons, STOPPING, trackFileText } from './health.js';
import { parseNotifyLine } from './notify-line.js';
import type { HaConfig, HaInput } from './options.js';
import { renderConntrackdConf } from './render-conntrackd.js';
import { renderKeepalivedConf } from './render-keepalived.js';
import { type HaRole, type InstanceStatus, type RoleEvent, RoleTracker } from './role.js';
import { type KeepalivedEvent, type KeepalivedStatus, KeepalivedSupervisor } from './supervisor.js';
import { type HaSystem, nodeSystem } from './system.js';
import { isValidatedConfig, validateHaOptions } from './validate.js';

/** Events of an HA node. Listeners are notified only; a throwing listener is ignored. */
export interface HaEvents {
  [name: string]: unknown;
  /** This node's role changed. */
  role: RoleEvent;
  /** keepalived started, died, is restarting, stopped. */
  keepalived: KeepalivedEvent;
  /** What lbkit told keepalived about its health changed. */
  health: { readonly healthy: boolean; readonly reasons: readonly string[]; readonly at: number };
  /** VIPs lbkit removed itself because keepalived died holding them. */
  vipsRemoved: {
    readonly addresses: readonly string[];
    readonly failures: readonly string[];
    readonly at: number;
  };
  /** conntrackd started, died, is restarting, stopped (flow sync only). */
  conntrackd: ConntrackdEvent;
  /** A step of the flow-sync sequence of a role change, and `done` for the whole (flow sync only). */
  sync: SyncEvent;
  /** A line keepalived or conntrackd logged (or lbkit about them). */
  log: { readonly line: string; readonly at: number };
  /** Something went wrong that lbkit keeps running through (a track file write, a FIFO line). */
  problem: { readonly message: string; readonly at: number };
}

/** Status of an HA node. */
export interface HaStatus {
  readonly role: HaRole;
  /** Epoch ms of the last role change. */
  readonly since: number;
  /** Effective VRRP priority keepalived last reported. */
  readonly priority?: number;
  readonly instances: Readonly<Record<string, InstanceStatus>>;
  /** What lbkit tells keepalived: healthy, or the reasons it is not. */
  readonly healthy: boolean;
  readonly reasons: readonly string[];
  readonly keepalived: KeepalivedStatus;
  /** Flow sync (conntrackd and the takeover guard), when configured. */
  readonly flowSync?: FlowSyncStatus & { readonly conntrackd: ConntrackdStatus };
}

/** One node of a balancer pair. Create with `createHa`. */
export interface Ha {
  readonly config: HaConfig;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof HaEvents & string>(
    event: K,
    listener: (payload: HaEvents[K]) => void,
  ): () => void;
  /**
   * Creates the run directory, writes the track file (unhealthy until the
   * balancer is ready), opens the notify FIFO, sets the process title
   * (`processName`, for track_process) and starts keepalived (supervise: after
   * `keepalived -t` accepts the rendered config) or starts watching it (attach).
   */
  start(): ResultAsync<void, HaError>;
  /** Follows a balancer's health (applies, first verdicts, empty services); returns the unsubscribe. */
  watch(balancer: Balancer): () => void;
  /** Sets or clears a reason against this node's health (any text; `starting` is set at creation). */
  setReason(reason: string, active: boolean): void;
  status(): HaStatus;
  /**
   * Gives the VIP away first (unhealthy, then waits up to 1 s for keepalived
   * to leave MASTER), then stops keepalived (supervise) or the watch (attach).
   */
  stop(): ResultAsync<void, HaError>;
}

/** Options of `createHa`. */
export interface CreateHaOptions {
  /** The OS seam (tests). Default: the real system. */
  readonly system?: HaSystem;
  /**
   * The takeover guard's nft scripts, needed with `conntrackd.guard` (the
   * default): `renderTakeoverGuard` of @lbkit/backend-nftables, for the VIPs
   * (and the servers as `from`).
   */
  readonly guard?: GuardScripts;
}

/** How long `stop()` waits for keepalived to give the VIP away. */
export const STOP_HANDOFF_MS = 1000;

/**
 * Creates one HA node from options (validated here unless they come from
 * `validateHaOptions` / `parseHaConfig`). Fails with `invalid` and every issue.
 */
export function createHa(
  options: HaInput | HaConfig,
  create: CreateHaOptions = {},
): Result<Ha, HaError> {
  let config: HaConfig;
  if (isValidatedConfig(options)) config = options;
  else {
    const checked = validateHaOptions(options);
    if (checked.isErr()) {
      const issues = checked.error;
      return err(haError('invalid', issues.map((i) => i.message).join('; '), issues));
    }
    config = checked.value;
  }
  if (config.conntrackd?.guard && create.guard === undefined) {
    return err(
      haError(
        'invalid',
        'conntrackd.guard needs the guard scripts (createHa options.guard: renderTakeoverGuard of @lbkit/backend-nftables), or set conntrackd.guard: false',
      ),
    );
  }
  return ok(new HaNode(config, create.system ?? nodeSystem(), create.guard));
}

class HaNode implements Ha {
  readonly config: HaConfig;
  readonly #system: HaSystem;
  readonly #events = new TypedEmitter<HaEvents>();
  readonly #health = new HealthReasons();
  readonly #roles: RoleTracker;
  readonly #supervisor: KeepalivedSupervisor;
  readonly #conntrackd: ConntrackdSupervisor | undefined;
  readonly #sync: FlowSync | undefined;
  #fifo: { close(): void } | undefined;
  #written: boolean | undefined;
  #started = false;

  constructor(config: HaConfig, system: HaSystem, guard: GuardScripts | undefined) {
    this.config = config;
    this.#system = system;
    this.#roles = new RoleTracker(config, system.now());
    const c = config.conntrackd;
    if (c) {
      this.#conntrackd = new ConntrackdSupervisor(config, c, system, {
        onEvent: (e) => this.#events.emit('conntrackd', e),
        onLog: (line) =>
          this.#events.emit('log', { line: `conntrackd: ${line}`, at: system.now() }),
      });
      this.#sync = new FlowSync(config, c, system, this.#conntrackd, guard, (e) =>
        this.#events.emit('sync', e),
      );
    }
    this.#supervisor = new KeepalivedSupervisor(config, system, {
      onEvent: (e) => this.#events.emit('keepalived', e),
      onLog: (line) => this.#events.emit('log', { line, at: system.now() }),
      onGone: (reason) => this.#role(this.#roles.gone(system.now(), reason)),
      onVipsRemoved: (addresses, failures) =>
        this.#events.emit('vipsRemoved', { addresses, failures, at: system.now() }),
    });
  }

  on<K extends keyof HaEvents & string>(event: K, listener: (payload: HaEvents[K]) => void) {
    return this.#events.on(event, listener);
  }

  start(): ResultAsync<void, HaError> {
    if (this.#started) return okAsync(undefined);
    this.#started = true;
    return ResultAsync.fromSafePromise(this.#start()).andThen((r) => r);
  }

  async #start(): Promise<Result<void, HaError>> {
    const started = await this.#startSteps();
    if (started.isErr()) {
      this.#fifo?.close();
      this.#fifo = undefined;
      this.#started = false;
      this.#events.emit('problem', { message: started.error.message, at: this.#system.now() });
    }
    return started;
  }

  async #startSteps(): Promise<Result<void, HaError>> {
    const s = this.#system;
    const files = this.config.files;
    const dir = s.ensureDir(files.runDir);
    if (dir.isErr()) return dir;
    const track = this.#writeHealth(true);
    if (track.isErr()) return track;
    if (this.config.mode === 'supervise') {
      const conf = s.writeFileAtomic(files.config, renderKeepalivedConf(this.config));
      if (conf.isErr()) return conf;
    }
    const fifo = await s.ensureFifo(files.fifo);
    if (fifo.isErr()) return fifo;
    const reader = s.openFifo(files.fifo, (text) => this.#onFifoLine(text));
    if (reader.isErr()) return err(reader.error);
    this.#fifo = reader.value;
    s.setProcessTitle(this.config.processName);
    const synced = await this.#startFlowSync();
    if (synced.isErr()) return synced;
    const started = await this.#supervisor.start();
    if (started.isErr()) await this.#stopFlowSync();
    return started;
  }

  /** conntrackd (its config written first when supervised), then the guard, armed. */
  async #startFlowSync(): Promise<Result<void, HaError>> {
    const c = this.config.conntrackd;
    if (!c || !this.#conntrackd || !this.#sync) return ok(undefined);
    // Attached too: lbkit's client commands read the socket's path from this file.
    const conf = this.#system.writeFileAtomic(c.files.config, renderConntrackdConf(this.config, c));
    if (conf.isErr()) return conf;
    const started = await this.#conntrackd.start();
    if (started.isErr()) return started;
    const guard = await this.#sync.install();
    if (guard.isErr()) await this.#conntrackd.stop();
    return guard;
  }

  async #stopFlowSync(): Promise<void> {
    await this.#sync?.remove();
    await this.#conntrackd?.stop();
  }

  watch(balancer: Balancer): () => void {
    return watchBalancer(balancer, this.config.emptyServices, (reason, active) =>
      this.setReason(reason, active),
    );
  }

  setReason(reason: string, active: boolean): void {
    if (this.#health.set(reason, active)) this.#writeHealth(false);
  }

  status(): HaStatus {
    const priority = this.#roles.priority;
    return {
      role: this.#roles.role,
      since: this.#roles.since,
      ...(priority !== undefined && { priority }),
      instances: this.#roles.instances(),
      healthy: this.#health.healthy,
      reasons: this.#health.list(),
      keepalived: this.#supervisor.status(),
      ...(this.#sync &&
        this.#conntrackd && {
          flowSync: { ...this.#sync.status(), conntrackd: this.#conntrackd.status() },
        }),
    };
  }

  stop(): ResultAsync<void, HaError> {
    return ResultAsync.fromSafePromise(this.#stop());
  }

  async #stop(): Promise<void> {
    if (!this.#started) return;
    this.setReason(STOPPING, true);
    if (this.#roles.role === 'master') {
      // keepalived reads the track file at once (inotify) and leaves MASTER.
      await new Promise<void>((resolve) => {
        const cancel = this.#system.timer(done, STOP_HANDOFF_MS);
        const off = this.on('role', (e) => {
          if (e.role !== 'master') done();
        });
        function done() {
          cancel();
          off();
          resolve();
        }
      });
    }
    await this.#supervisor.stop();
    await this.#stopFlowSync();
    this.#fifo?.close();
    this.#fifo = undefined;
    this.#role(this.#roles.gone(this.#system.now(), 'lbkit stopped'));
    this.#started = false;
  }

  #onFifoLine(text: string): void {
    const line = parseNotifyLine(text);
    if (!line) {
      this.#events.emit('problem', {
        message: `notify FIFO: not a keepalived line: ${JSON.stringify(text.slice(0, 120))}`,
        at: this.#system.now(),
      });
      return;
    }
    this.#role(this.#roles.onLine(line, this.#system.now(), text));
  }

  #role(event: RoleEvent | undefined): void {
    if (!event) return;
    this.#events.emit('role', event);
    if (event.role !== 'unknown') this.#sync?.onRole(event.role);
  }

  /** Writes the track file when the health flipped (or `force`); reports every change of reasons. */
  #writeHealth(force: boolean): Result<void, HaError> {
    const healthy = this.#health.healthy;
    const at = this.#system.now();
    if (force || this.#written !== healthy) {
      const written = this.#system.writeFileAtomic(
        this.config.files.trackFile,
        trackFileText(healthy),
      );
      if (written.isErr()) {
        this.#events.emit('problem', { message: written.error.message, at });
        return written;
      }
      this.#written = healthy;
    }
    this.#events.emit('health', { healthy, reasons: this.#health.list(), at });
    return ok(undefined);
  }
}
