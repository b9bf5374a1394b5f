import type { BackendError, ObservedState, ServiceKey } from '@lbkit/core';
import type { ResultAsync } from 'neverthrow';
import type { NftCommand } from '../render/commands.js';

/** UDP flows of one service that went to one destination (now gone from it). */
export interface StaleUdpFlows {
  readonly service: ServiceKey;
  /** The destination the flows were DNATed to (the conntrack reply source). */
  readonly address: string;
  readonly port: number;
}

/** What one `write` did. */
export interface WriteReport {
  /** The path that carried the commands: `netlink`, `libnftables`, `nft-cli` or `fake`. */
  readonly path: string;
  /** Problems that did not fail the write (e.g. netlink could not encode it, nft took it). */
  readonly warnings: readonly string[];
  /**
   * The nf_tables generation right after the commit, when the transport can
   * read it (netlink, fake): it moves by exactly one per commit in the
   * namespace, so "one more than before, and nobody else committed" can be told.
   */
  readonly generation?: number;
}

/** What a transport can say about its table cheaply (one or two requests). */
export interface TableProbe {
  readonly exists: boolean;
  /** The table's comment (`NFTA_TABLE_USERDATA`); lbkit marks its tables with one. */
  readonly comment?: string;
  /** `flags dormant`: the kernel does not run the table's chains. */
  readonly dormant: boolean;
  /**
   * The nf_tables generation id (`NFT_MSG_GETGEN`) of the namespace: the
   * kernel bumps it on every commit of any table, never otherwise (counters
   * and packets do not move it). Absent when the transport cannot read it.
   */
  readonly generation?: number;
}

/** The table compared object by object with what should be there. */
export interface TableComparison {
  /** One line per differing object (`chain svc_web: rules differ`); empty = identical. */
  readonly differences: readonly string[];
  /** The generation the whole read was consistent at (unchanged from its start to its end). */
  readonly generation?: number;
}

/**
 * The one way an nftables backend reaches the kernel, for ONE table
 * (`inet <table>`) in ONE network namespace, both given when it is made.
 * Implementations: netlink (raw nf_tables batches, the default), libnftables
 * and the `nft` CLI (the same commands as nft text), `withFallback` (one
 * in front of another), and `FakeNft` (in memory, `/testing`).
 */
export interface NftTransport {
  /** `netlink`, `libnftables`, `nft-cli`, `fake`, or `netlink+libnftables` for a fallback pair. */
  readonly name: string;
  /** The table it acts on (family `inet`). */
  readonly table: string;
  /**
   * Applies `commands` as ONE transaction: all committed or none. Errors:
   * `rejected` (the kernel or nft refused it; nothing committed),
   * `unsupported` (this transport cannot express or send it: nothing was
   * sent, another transport may), `unavailable` (socket or tool unusable;
   * outcome unknown), `closed`.
   */
  write(commands: readonly NftCommand[]): ResultAsync<WriteReport, BackendError>;
  /** The table as core's `ObservedState` (a missing table is an empty state). */
  read(): ResultAsync<ObservedState, BackendError>;
  /** Existence, comment, flags and (when available) the generation. */
  probe(): ResultAsync<TableProbe, BackendError>;
  /**
   * Compares the WHOLE table (table flags, every chain, rule, set and
   * element) with what `expected` (a full ruleset, as `rulesetCommands`
   * gives it) builds. Optional: a transport without it is checked through
   * `read()` (services, destinations and verdicts only).
   */
  compare?(expected: readonly NftCommand[]): ResultAsync<TableComparison, BackendError>;
  /**
   * Deletes the conntrack entries of UDP flows whose destination left a
   * service (UDP has no end: without it a client keeps sending to the old
   * destination). Resolves to the number deleted; `unavailable` without the tool.
   */
  forgetUdpFlows(flows: readonly StaleUdpFlows[]): ResultAsync<number, BackendError>;
  /** Releases sockets, contexts and children. Idempotent. */
  close(): void;
}
