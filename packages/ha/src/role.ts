/**
 * This node's role in the pair, from keepalived's notify lines: the sync
 * group's state when there is one (the service and inner VIPs move
 * together), else the lone instance's. lbkit itself reports `stop` when
 * keepalived is gone. Pure: lines and times in, role changes out.
 * @module
 */
import { isPriorityEvent, type NotifyLine, type VrrpState } from './notify-line.js';
import type { HaConfig } from './options.js';

/** The roles: `unknown` until keepalived has said anything. */
export const HA_ROLES = ['unknown', 'master', 'backup', 'fault', 'stop'] as const;

/** A node's role. */
export type HaRole = (typeof HA_ROLES)[number];

/** A role change. */
export interface RoleEvent {
  readonly role: HaRole;
  readonly previous: HaRole;
  /** Epoch ms. */
  readonly at: number;
  /** `keepalived` (a notify line) or `lbkit` (keepalived is gone). */
  readonly source: 'keepalived' | 'lbkit';
  /** The line, or why lbkit decided. */
  readonly reason: string;
  /** This node's effective VRRP priority (service instance), when known. */
  readonly priority?: number;
}

/** One instance as last reported. */
export interface InstanceStatus {
  readonly state: VrrpState | 'unknown';
  readonly priority?: number;
}

const ROLE_OF: Record<VrrpState, HaRole> = {
  MASTER: 'master',
  BACKUP: 'backup',
  FAULT: 'fault',
  STOP: 'stop',
  DELETED: 'stop',
};

/** Follows the notify lines of one config's group and instances. */
export class RoleTracker {
  readonly #config: HaConfig;
  readonly #instances = new Map<string, { state: VrrpState | 'unknown'; priority?: number }>();
  #group: VrrpState | undefined;
  #role: HaRole = 'unknown';
  #since: number;

  constructor(config: HaConfig, now: number) {
    this.#config = config;
    this.#since = now;
    for (const side of [config.service, config.inner]) {
      if (side) this.#instances.set(side.instance, { state: 'unknown' });
    }
  }

  /** The current role. */
  get role(): HaRole {
    return this.#role;
  }

  /** Epoch ms of the last role change (or of the start). */
  get since(): number {
    return this.#since;
  }

  /** The service instance's effective priority, when reported. */
  get priority(): number | undefined {
    return this.#instances.get(this.#config.service.instance)?.priority;
  }

  /** Every instance as last reported. */
  instances(): Readonly<Record<string, InstanceStatus>> {
    return Object.fromEntries(
      [...this.#instances].map(([name, s]) => [
        name,
        { state: s.state, ...(s.priority !== undefined && { priority: s.priority }) },
      ]),
    );
  }

  /** Takes one line; returns the role change it caused, if any. Lines about other names are ignored. */
  onLine(line: NotifyLine, at: number, text: string): RoleEvent | undefined {
    if (line.type === 'GROUP') {
      if (line.name !== this.#config.syncGroup || isPriorityEvent(line.state)) return undefined;
      this.#group = line.state;
    } else {
      const instance = this.#instances.get(line.name);
      if (!instance) return undefined;
      instance.priority = line.priority;
      if (!isPriorityEvent(line.state)) instance.state = line.state;
    }
    return this.#settle(at, 'keepalived', text);
  }

  /** keepalived is gone (died or stopped): every instance is stopped. */
  gone(at: number, reason: string): RoleEvent | undefined {
    for (const instance of this.#instances.values()) instance.state = 'STOP';
    this.#group = undefined;
    return this.#settle(at, 'lbkit', reason);
  }

  #computed(): HaRole {
    const states = [...this.#instances.values()].map((i) => i.state);
    if (states.every((s) => s === 'STOP' || s === 'DELETED')) return 'stop';
    if (this.#config.syncGroup !== undefined) {
      if (this.#group !== undefined) return ROLE_OF[this.#group];
      return states.includes('FAULT') ? 'fault' : 'unknown';
    }
    const lone = states[0] ?? 'unknown';
    return lone === 'unknown' ? 'unknown' : ROLE_OF[lone];
  }

  #settle(at: number, source: RoleEvent['source'], reason: string): RoleEvent | undefined {
    const role = this.#computed();
    if (role === this.#role) return undefined;
    const previous = this.#role;
    this.#role = role;
    this.#since = at;
    const priority = this.priority;
    return { role, previous, at, source, reason, ...(priority !== undefined && { priority }) };
  }
}
