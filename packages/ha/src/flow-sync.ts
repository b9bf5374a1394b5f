/**
 * Flow-state sync on role changes: the standard primary/backup sequence of
 * conntrack-tools run against lbkit's conntrackd, with the takeover guard
 * around it, each step reported (`sync` events: step, ok, duration). One
 * sequence at a time; roles that arrive meanwhile collapse into the latest.
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import { nftScriptArgv, roleSteps, STEP_FLAGS, type SyncStep } from './conntrackd-argv.js';
import type { ConntrackdSupervisor } from './conntrackd-supervisor.js';
import { type HaError, haError } from './errors.js';
import type { ConntrackdConfig, HaConfig } from './options.js';
import type { HaSystem } from './system.js';

/**
 * The takeover guard's nft scripts (backend-nftables `renderTakeoverGuard`
 * makes them): install (armed), arm, disarm, remove. lbkit runs them with
 * `nft -f -` in the pair's namespace.
 */
export interface GuardScripts {
  readonly install: string;
  readonly arm: string;
  readonly disarm: string;
  readonly remove: string;
}

/** One step of a role change's sequence, or `done` (the whole sequence). */
export interface SyncEvent {
  /** The role the sequence is for. */
  readonly role: string;
  readonly step: SyncStep | 'done';
  readonly ok: boolean;
  /** How long the step (or, `done`, the whole sequence) took, ms. */
  readonly ms: number;
  readonly at: number;
  /** conntrackd's or nft's output when a step failed. */
  readonly message?: string;
}

/** Flow sync as `status()` shows it. */
export interface FlowSyncStatus {
  /** The guard: `armed` (old flows' non-SYN TCP dropped), `disarmed`, or `none` (no guard). */
  readonly guard: 'armed' | 'disarmed' | 'none';
  /** The last finished sequence. */
  readonly last?: {
    readonly role: string;
    readonly ok: boolean;
    readonly ms: number;
    readonly at: number;
  };
}

/** Runs the sequences of one node. */
export class FlowSync {
  readonly #config: HaConfig;
  readonly #system: HaSystem;
  readonly #conntrackd: ConntrackdSupervisor;
  readonly #guard: GuardScripts | undefined;
  readonly #onSync: (e: SyncEvent) => void;
  #armed = false;
  #closed = false;
  #pending: string | undefined;
  #running: Promise<void> | undefined;
  #last: FlowSyncStatus['last'];

  constructor(
    config: HaConfig,
    c: ConntrackdConfig,
    system: HaSystem,
    conntrackd: ConntrackdSupervisor,
    guard: GuardScripts | undefined,
    onSync: (e: SyncEvent) => void,
  ) {
    this.#config = config;
    this.#system = system;
    this.#conntrackd = conntrackd;
    this.#guard = c.guard ? guard : undefined;
    this.#onSync = onSync;
  }

  status(): FlowSyncStatus {
    return {
      guard: this.#guard ? (this.#armed ? 'armed' : 'disarmed') : 'none',
      ...(this.#last !== undefined && { last: this.#last }),
    };
  }

  /** Installs the guard, armed (a node starts as backup). */
  async install(): Promise<Result<void, HaError>> {
    this.#closed = false;
    if (!this.#guard) return ok(undefined);
    const r = await this.#nft(this.#guard.install);
    if (!r.ok) return err(haError('io', `cannot install the takeover guard: ${r.output}`));
    this.#armed = true;
    return ok(undefined);
  }

  /** Removes the guard (lbkit stops). */
  async remove(): Promise<void> {
    this.#closed = true;
    await this.idle();
    if (this.#guard) await this.#nft(this.#guard.remove);
    this.#armed = false;
  }

  /** A new role: runs its sequence now, or after the running one (only the latest waits). */
  onRole(role: string): void {
    if (this.#closed) return;
    this.#pending = role;
    if (!this.#running) this.#running = this.#drain();
  }

  /** Resolves when no sequence runs. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #drain(): Promise<void> {
    while (this.#pending !== undefined) {
      const role = this.#pending;
      this.#pending = undefined;
      await this.#sequence(role);
    }
    this.#running = undefined;
  }

  async #sequence(role: string): Promise<void> {
    const start = this.#system.now();
    let allOk = true;
    for (const step of roleSteps(role, this.#guard !== undefined)) {
      const r = await this.#step(step);
      allOk &&= r.ok;
      this.#emit({ role, step, ok: r.ok, ms: r.ms, ...(!r.ok && { message: r.output }) });
    }
    const ms = this.#system.now() - start;
    this.#last = { role, ok: allOk, ms, at: this.#system.now() };
    this.#emit({ role, step: 'done', ok: allOk, ms });
  }

  async #step(step: SyncStep): Promise<{ ok: boolean; ms: number; output: string }> {
    const start = this.#system.now();
    if (step === 'arm' || step === 'disarm') {
      const r = await this.#nft(step === 'arm' ? this.#guard!.arm : this.#guard!.disarm);
      if (r.ok) this.#armed = step === 'arm';
      return { ...r, ms: this.#system.now() - start };
    }
    const r = await this.#conntrackd.command([STEP_FLAGS[step]]);
    return { ok: r.code === 0, ms: r.ms, output: r.output };
  }

  async #nft(script: string): Promise<{ ok: boolean; output: string }> {
    const r = await this.#system.run(nftScriptArgv(this.#config), script);
    return { ok: r.code === 0, output: r.output };
  }

  #emit(e: Omit<SyncEvent, 'at'>): void {
    this.#onSync({ ...e, at: this.#system.now() });
  }
}
