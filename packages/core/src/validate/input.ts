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
  /** Client affinity (persistence) in seconds, default 0 (none); IPVS and nftables. */
  readonly persistence?: number;
  /** Slow start in ms (HAProxy `slowstart`), default 0 (off). Needs a weighted scheduler. */
  readonly slowStart?: number;
  /** Default `nat`; `route` and `tunnel` need the IPVS backend and keep the destination port. */
  readonly forward?: Forwarding;
  /** Default `{ kind: 'tcp' }`. Replaces the default probe as a whole. */
  readonly probe?: ProbeSpec;
  /** Merged field by field over the defaults. */
  readonly health?: HealthInput;
}

/** The sorry destination as written. Defaults: `name` `sorry`, `port` = the service port. */
export interface SorryInput {
  readonly name?: string;
  readonly address: string;
  readonly port?: number;
}

/** A service as written: identity and destinations, plus optional settings. */
export interface ServiceInput extends ServiceDefaults {
  readonly name: string;
  readonly vip: string;
  readonly port: number;
  /** Default none (a service with no destinations gets its `whenEmpty` verdict). */
  readonly destinations?: readonly DestinationInput[];
  /** Least total weight of live destinations (keepalived `quorum`); default none. */
  readonly quorum?: number;
  /** Used only below the quorum (keepalived `sorry_server`); default none. */
  readonly sorry?: SorryInput;
}
