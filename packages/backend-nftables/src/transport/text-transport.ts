/**
 * The text transports: the same commands as nft text, through libnftables
 * (one long-lived context, FFI) or the `nft` CLI (a process per call). Reads
 * are nft's JSON listing; the table's comment and flags come from its text
 * listing (nft 1.0.6 prints neither in JSON).
 * @module
 */
import type { BackendError, ObservedState } from '@lbkit/core';
import { errAsync, ok, okAsync, type Result, type ResultAsync } from 'neverthrow';
import { DEFAULT_TABLE, serviceFromChain, TABLE_FAMILY } from '../names.js';
import { parseObservedState } from '../read/parse-observed.js';
import { printCommands } from '../render/print.js';
import { type ConntrackCleanerChoice, udpFlowForgetter } from './conntrack-cleanup.js';
import { type LibnftablesOptions, openLibnftables } from './libnftables.js';
import { type NftCliOptions, openNftCli } from './nft-cli.js';
import type { NftRunner } from './nft-runner.js';
import type { NftTransport, TableProbe } from './transport.js';

/** Where a text transport acts. */
export interface TextTransportPlace {
  /** Table name (family `inet`), validated by the backend. Default `lbkit`. */
  readonly table?: string;
  /**
   * Named network namespace (`ip netns add NAME`) to act in: libnftables
   * switches its calls into it with `setns(2)`, the CLI runs `ip netns exec`,
   * the conntrack cleanup likewise. Default: the process's own namespace.
   */
  readonly netns?: string;
  /** How the UDP conntrack cleanup deletes entries. Default `auto` (ctnetlink, the tool behind it). */
  readonly conntrackCleaner?: ConntrackCleanerChoice;
}

/** A refused read of a table that is not there. */
export const isMissingTable = (e: BackendError): boolean =>
  /No such file or directory/.test(e.message);

/** Table comment and flags from the head of `nft list table` text. */
export function parseTableHead(listing: string): Omit<TableProbe, 'generation'> {
  let comment: string | undefined;
  let dormant = false;
  for (const line of listing.split('\n').slice(1)) {
    const text = line.trim();
    const flags = /^flags (.+)$/.exec(text);
    const note = /^comment "(.*)"$/.exec(text);
    if (flags) dormant = flags[1]!.split(/[ ,]+/).includes('dormant');
    else if (note) comment = note[1];
    else break;
  }
  return { exists: true, dormant, ...(comment === undefined ? {} : { comment }) };
}

/** An `NftTransport` over an nft text runner. */
export function textTransport(runner: NftRunner, place: TextTransportPlace = {}): NftTransport {
  const table = place.table ?? DEFAULT_TABLE;
  const ref = `${TABLE_FAMILY} ${table}`;
  const forget = udpFlowForgetter(place.netns, place.conntrackCleaner);
  return {
    name: runner.name,
    table,
    write: (commands) =>
      commands.length === 0
        ? okAsync({ path: runner.name, warnings: [] })
        : runner
            .run(printCommands(commands, table))
            .map(() => ({ path: runner.name, warnings: [] })),
    read: (): ResultAsync<ObservedState, BackendError> =>
      runner
        .json(`list table ${ref}`)
        .orElse((e) => (isMissingTable(e) ? okAsync({ nftables: [] } as unknown) : errAsync(e)))
        .andThen(
          (doc): Result<ObservedState, BackendError> =>
            parseObservedState(doc, { table, serviceName: serviceFromChain }),
        ),
    probe: () =>
      runner
        .run(`list table ${ref}\n`)
        .map((listing): TableProbe => parseTableHead(listing))
        .orElse((e) =>
          isMissingTable(e)
            ? ok({ exists: false, dormant: false })
            : errAsync<TableProbe, BackendError>(e),
        ),
    forgetUdpFlows: forget,
    close: () => runner.close(),
  };
}

/**
 * The text transport over libnftables 1 (`libnftables.so.1`, Debian
 * `libnftables1`) through koffi: ONE long-lived `nft_ctx`, calls synchronous
 * on the main thread (~0.2 ms for a small change; a whole large table blocks
 * the event loop for its duration). Fails with `unavailable` when the
 * library cannot be loaded or the namespace cannot be entered.
 */
export function createLibnftablesTransport(
  options: TextTransportPlace & Omit<LibnftablesOptions, 'netns'> = {},
): Result<NftTransport, BackendError> {
  return openLibnftables(options).map((runner) => textTransport(runner, options));
}

/**
 * The text transport over the `nft` CLI: `nft -f -` with the script as text on
 * stdin, `nft -j list ...` for reads (nft 1.0.6 cannot read JSON from a
 * Node-spawned stdin). ~20 ms per call (process start). Fails with
 * `unavailable` when `nft` (or `ip`, with `netns`) is missing.
 */
export function createNftCliTransport(
  options: TextTransportPlace & Omit<NftCliOptions, 'netns'> = {},
): Result<NftTransport, BackendError> {
  return openNftCli(options).map((runner) => textTransport(runner, options));
}
