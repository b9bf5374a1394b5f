/**
 * Sends one transaction of `NftCommand`s to the kernel: as ONE raw nf_tables
 * netlink batch (the default for a real transport in the same namespace), or
 * printed as nft text through the transport. Whatever the netlink path cannot
 * encode or send goes through nft instead, with a warning.
 * @module
 */
import { type BackendError, backendError } from '@lbkit/core';
import { err, ok, type Result } from 'neverthrow';
import type { NftCommand } from './render/commands.js';
import { printCommands } from './render/print.js';
import { type NfnetlinkSocket, openNfnetlink } from './transport/nfnetlink-batch.js';
import type { NftTransport } from './transport/transport.js';
import { encodeBatch } from './wire/nft-batch-encode.js';
import { NlWriter } from './wire/nl-writer.js';

/** How an apply's commands reach the kernel. */
export type WritePath = 'netlink' | 'nft';

/** What one `write` did. */
export interface Written {
  /** The path that carried the commands. */
  readonly path: WritePath;
  /**
   * Problems that did not fail the write (e.g. netlink unusable, nft used
   * instead), including those of earlier writes that failed.
   */
  readonly warnings: readonly string[];
}

/** Writes transactions on one table. */
export interface CommandWriter {
  readonly path: WritePath;
  /**
   * Applies `commands` as ONE transaction. Errors: `rejected` when the kernel
   * or nft refused it (nothing committed), `unavailable` / `internal` from the
   * transport or socket.
   */
  write(commands: readonly NftCommand[]): Promise<Result<Written, BackendError>>;
  /** Closes the netlink socket (not the transport). */
  close(): void;
}

/** Options of `createCommandWriter`. */
export interface CommandWriterOptions {
  readonly table: string;
  readonly transport: NftTransport;
  readonly path: WritePath;
  /** Namespace the netlink socket is opened in (the transport's). */
  readonly netns: string | undefined;
}

/**
 * A writer for `options.table`. The netlink socket is opened on the first
 * write; when it cannot be opened, every write goes through nft (warning once).
 */
export function createCommandWriter(options: CommandWriterOptions): CommandWriter {
  const { table, transport } = options;
  /** `undefined` = not opened yet; `false` = netlink not used. */
  let socket: NfnetlinkSocket | false | undefined = options.path === 'netlink' ? undefined : false;
  let seq = (Date.now() & 0x3fffffff) >>> 0;
  /** Warnings not reported yet: a failed write keeps them for the next one that succeeds. */
  const pending: string[] = [];
  /** One buffer for every batch (each is sent before the next is encoded). */
  const buffer = new NlWriter(64 * 1024);

  const done = (path: WritePath): Result<Written, BackendError> =>
    ok({ path, warnings: pending.splice(0) });
  const viaNft = async (
    commands: readonly NftCommand[],
  ): Promise<Result<Written, BackendError>> => {
    const ran = await transport.run(printCommands(commands, table));
    return ran.isErr() ? err(ran.error) : done('nft');
  };

  return {
    path: options.path,
    async write(commands) {
      if (socket === undefined) {
        const opened = openNfnetlink(options.netns === undefined ? {} : { netns: options.netns });
        socket = opened.isOk() ? opened.value : false;
        if (opened.isErr()) pending.push(`netlink unavailable, using nft: ${opened.error.message}`);
      }
      if (socket === false) return viaNft(commands);
      const batch = encodeBatch(table, commands, { firstSeq: seq, writer: buffer });
      if (batch.isErr()) {
        pending.push(`netlink: ${batch.error.message}; sent through nft`);
        return viaNft(commands);
      }
      seq = (seq + batch.value.messages + 2) & 0x3fffffff;
      const sent = socket.send(batch.value);
      if (sent.isOk()) return done('netlink');
      if (sent.error.kind === 'unsupported') {
        pending.push(`netlink: ${sent.error.message}; sent through nft`);
        return viaNft(commands);
      }
      return err(sent.error);
    },
    close() {
      if (socket) socket.close();
      socket = false;
    },
  };
}

/** Checks that `netlink` is possible for this transport and namespace (it acts only in the transport's). */
export function resolveWritePath(
  wanted: WritePath | undefined,
  transport: NftTransport,
  netns: string | undefined,
): Result<WritePath, BackendError> {
  const sameNetns = netns === undefined || netns === transport.netns;
  const realTransport = transport.name === 'libnftables' || transport.name === 'nft-cli';
  if (wanted === 'netlink' && !(realTransport && sameNetns)) {
    return err(
      backendError(
        'rejected',
        `writePath netlink needs a libnftables or nft-cli transport in the namespace of netns (${transport.name}, ${transport.netns ?? 'own'} vs ${netns ?? 'own'})`,
      ),
    );
  }
  return ok(wanted ?? (realTransport && sameNetns ? 'netlink' : 'nft'));
}
