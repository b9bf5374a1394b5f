import { type BackendError, backendError } from '@lbkit/core';
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import { listRuleset } from '../trace/listing.js';
import { parseScript } from '../trace/parse.js';
import { applyCommands, EMPTY_NFT_STATE, type NftState } from '../trace/state.js';
import type { NftTransport } from '../transport/transport.js';

/** Options of `FakeNft`. */
export interface FakeNftOptions {
  /** Initial state. Default empty. */
  readonly state?: NftState;
}

/**
 * In-memory `NftTransport` (knftables' Fake): parses each script with the
 * lbkit dialect parser, applies it to a COPY of its state and commits only if
 * every statement is valid (unknown chain/map/counter, an element that exists
 * with other data, deleting what does not exist or is still referenced ->
 * `rejected`, state unchanged). `json()` is `unsupported`: assert on `state`,
 * `ruleset()` or trace with `traceState(fake.state, packet)`.
 */
export class FakeNft implements NftTransport {
  readonly name = 'fake';
  #state: NftState;
  #closed = false;
  /** Every script accepted, in order. */
  readonly scripts: string[] = [];
  /** Number of `run` calls, accepted or not. */
  runs = 0;

  constructor(options: FakeNftOptions = {}) {
    this.#state = options.state ?? EMPTY_NFT_STATE;
  }

  /** The committed state (readonly). */
  get state(): NftState {
    return this.#state;
  }

  /** A text listing of the committed state (flat `add ...` lines, elements sorted). */
  ruleset(): string {
    return listRuleset(this.#state);
  }

  /** Runs a script as one transaction. */
  run(script: string): ResultAsync<string, BackendError> {
    this.runs++;
    if (this.#closed) return errAsync(backendError('closed', 'FakeNft is closed'));
    const next = parseScript(script).andThen((cmds) => applyCommands(this.#state, cmds));
    if (next.isErr()) {
      const e = next.error;
      return errAsync(e.kind === 'parse' ? backendError('rejected', e.message) : e);
    }
    this.#state = next.value;
    this.scripts.push(script);
    return okAsync('');
  }

  /** Not implemented by the fake: always `unsupported`. */
  json(command: string): ResultAsync<unknown, BackendError> {
    return errAsync(backendError('unsupported', `FakeNft has no JSON output (${command})`));
  }

  /** Marks the fake closed; later runs fail with `closed`. Idempotent. */
  close(): void {
    this.#closed = true;
  }
}
