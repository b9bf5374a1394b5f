import type { BackendError } from '@lbkit/core';
import type { ResultAsync } from 'neverthrow';

/**
 * Runs nft TEXT (libnftables or the `nft` CLI): what the text transports are
 * made of. Internal: users compose `NftTransport`s.
 */
export interface NftRunner {
  /** `libnftables` or `nft-cli`. */
  readonly name: string;
  /**
   * Runs an nft script as ONE transaction: all of it is committed or none.
   * Resolves to nft's textual output (a `list` command's listing); a refused
   * script is a `rejected` error whose message carries nft's error text.
   */
  run(script: string): ResultAsync<string, BackendError>;
  /**
   * Runs one command with JSON output (e.g. `list table inet lbkit`) and
   * returns the parsed `nftables` JSON document. A missing object is a
   * `rejected` error whose message contains "No such file or directory".
   */
  json(command: string): ResultAsync<unknown, BackendError>;
  /** Releases the context / handles. Idempotent. */
  close(): void;
}
