import type { ParsedAddress } from './address.js';
import type { Forwarding, Scheduler, ServiceKey, WhenEmpty } from './model.js';
import type { QuorumStatus } from './quorum.js';

/** A destination that may take traffic. `weight` 0 = drained: kept, but no new flows. */
export interface DesiredDestination {
  readonly name: string;
  readonly address: string;
  /** `address` parsed, from the validated model (hidden; backends use its bytes, see `parsedAddressOf`). */
  readonly parsed?: ParsedAddress;
  readonly port: number;
  readonly weight: number;
}

/** One virtual service as the kernel should have it. */
export interface DesiredService {
  readonly name: string;
  readonly key: ServiceKey;
  /** `key.vip` parsed, from the validated model. */
  readonly parsedVip?: ParsedAddress;
  readonly scheduler: Scheduler;
  readonly whenEmpty: WhenEmpty;
  /** Client affinity timeout in seconds, 0 = none (IPVS persistence; nftables affinity sets). */
  readonly persistence: number;
  /** Forwarding method; absent = `nat` (see `Service.forward`). */
  readonly forward?: Forwarding;
  /** Sorted by name. Empty, or all weight 0, means the `whenEmpty` verdict applies. */
  readonly destinations: readonly DesiredDestination[];
  /** Present when the service has a quorum (or a sorry destination); backends ignore it. */
  readonly quorumStatus?: QuorumStatus;
}

/** The whole desired state: what `plan()` returns and what `Backend.apply()` converges to. */
export interface DesiredState {
  /** Sorted by name. */
  readonly services: readonly DesiredService[];
}

/** A destination as read back from the kernel. Names may be unknown to the reader. */
export interface ObservedDestination {
  readonly address: string;
  readonly port: number;
  /** Weight if the backend can observe it; 0 = drained. */
  readonly weight: number;
  /** Packets counted toward this destination, if the backend has counters. */
  readonly packets?: number;
  readonly bytes?: number;
}

/** A service as read back from the kernel. */
export interface ObservedService {
  readonly key: ServiceKey;
  readonly name?: string;
  readonly scheduler?: string;
  /** Present when the backend can observe the verdict for an empty service. */
  readonly whenEmpty?: WhenEmpty;
  readonly destinations: readonly ObservedDestination[];
  readonly packets?: number;
  readonly bytes?: number;
}

/** What a backend reads back through its independent path. */
export interface ObservedState {
  readonly services: readonly ObservedService[];
}
