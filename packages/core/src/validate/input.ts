/**
 * Loose input types: what a user writes (in code, JSON, YAML or the rules
 * file) before validation fills in defaults and produces the readonly model.
 * Validation treats every value as untrusted, whatever these types claim.
 */
import type {
  DownAction,
  Forwarding,
  HealthSettings,
  ProbeSpec,
  Protocol,
  Scheduler,
  WhenEmpty,
} from '../model.js';

/** A destination as written. Defaults: `port` = the service port, `weight` 1. */
export interface DestinationInput {
  readonly name: string;
  readonly address: string;
  readonly port?: number;
  readonly weight?: number;
  readonly connectAddress?: string;
  readonly connectPort?: number;
}

/**
 * Health settings as written; every field optional. Defaults: `DEFAULT_HEALTH`,
 * except `downInterval` and `jitter`, which default to this service's `interval`.
 */
export type HealthInput = { readonly [K in keyof HealthSettings]?: HealthSettings[K] };

/** Everything of a service that may be shared through `defaults`. */
export interface ServiceDefaults {
  /** Default `tcp`. */
  readonly protocol?: Protocol;
  /** Default `rr`. */
  readonly scheduler?: Scheduler;
  /** Default `reject`. */
  readonly whenEmpty?: WhenEmpty;
  /** Default `remove`. */
  readonly downAction?: DownAction;
  /** IPVS persistence in seconds, default 0 (none). */
  readonly persistence?: number;
  /** Default `nat`; `route` and `tunnel` need the IPVS backend and keep the destination port. */
  readonly forward?: Forwarding;
  /** Default `{ kind: 'tcp' }`. Replaces the default probe as a whole. */
  readonly probe?: ProbeSpec;
  /** Merged field by field over the defaults. */
  readonly health?: HealthInput;
}

/** A service as written: identity and destinations, plus optional settings. */
export interface ServiceInput extends ServiceDefaults {
  readonly name: string;
  readonly vip: string;
  readonly port: number;
  /** Default none (a service with no destinations gets its `whenEmpty` verdict). */
  readonly destinations?: readonly DestinationInput[];
}
