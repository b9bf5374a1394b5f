import type { BackendError } from '@lbkit/core';
import type { ResultAsync } from 'neverthrow';

/**
 * How nft scripts reach the kernel. Implementations: libnftables through FFI
 * (default), the `nft` CLI (fallback), and `FakeNft` (in `/testing`).
 */
export interface NftTransport {
  /** `libnftables`, `nft-cli` or `fake`. */
  readonly name: string;
  /**
   * The named network namespace it acts in (`ip netns add NAME`); absent =
   * the process's own. Real transports set it; the netlink write path
   * acts in the same namespace.
   */
  readonly netns?: string;
  /**
   * Runs an nft script as ONE transaction: all of it is committed or none.
   * Resolves to nft's textual output (usually empty); a refused script is a
   * `rejected` BackendError whose message carries nft's error text.
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
