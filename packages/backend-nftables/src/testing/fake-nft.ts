import { type BackendError, backendError, type ObservedState } from '@lbkit/core';
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import { DEFAULT_TABLE, isSlotMapName, TABLE_FAMILY } from '../names.js';
import {
  diffSnapshots,
  MISSING_TABLE,
  type SetSnapshot,
  type TableSnapshot,
} from '../read/table-snapshot.js';
import type { NftCommand } from '../render/commands.js';
import { printCommands } from '../render/print.js';
import { listRuleset } from '../trace/listing.js';
import { observeTable } from '../trace/observe.js';
import { parseScript } from '../trace/parse.js';
import {
  applyCommands,
  EMPTY_NFT_STATE,
  type NftState,
  type NftTableState,
} from '../trace/state.js';
import type {
  NftTransport,
  StaleUdpFlows,
  TableComparison,
  TableProbe,
  WriteReport,
} from '../transport/transport.js';

/** Options of `FakeNft`. */
export interface FakeNftOptions {
  /** Initial state. Default empty. */
  readonly state?: NftState;
  /** The table the transport writes (family `inet`). Default `lbkit`. */
  readonly table?: string;
}

/** A table of the state model, object by object. */
function snapshotOf(t: NftTableState | undefined): TableSnapshot {
  if (!t) return MISSING_TABLE;
  const sets = new Map<string, SetSnapshot>();
  for (const m of t.maps.values()) {
    const decl = `${m.kind} ${m.key}${m.data === undefined ? '' : ` : ${m.data}`}${m.interval ? ' interval' : ''}${m.counter ? ' counter' : ''}${m.timeout === undefined ? '' : ` timeout ${m.timeout}`}`;
    sets.set(m.name, {
      decl,
      // An affinity set's elements are the data path's, never compared (like the kernel's).
      elements:
        m.timeout === undefined
          ? new Map([...m.elements].map(([k, v]) => [k, v ?? '']))
          : new Map(),
    });
  }
  const chains = new Map(
    [...t.chains.values()].map((c) => [
      c.name,
      { decl: c.hook ? JSON.stringify(c.hook) : '', rules: c.rules },
    ]),
  );
  return {
    exists: true,
    ...(t.comment === undefined ? {} : { comment: t.comment }),
    dormant: t.dormant,
    chains,
    sets,
  };
}

/**
 * In-memory `NftTransport` (knftables' Fake): every write is printed as nft
 * text, parsed with the lbkit dialect parser and applied to a COPY of the
 * state, committed only if every statement is valid the way the kernel would
 * judge it (unknown chain/map, an element that exists with other data,
 * deleting what does not exist or is still referenced -> `rejected`, state
 * unchanged). Like the kernel it keeps a generation that moves by one per
 * commit; `run()` commits a script as someone else would (`nft -f`), so tests
 * can break the table under a backend. `read()` reads the state model back
 * (`observeTable`); assert on `state`, `ruleset()` or trace with
 * `traceState(fake.state, packet)`.
 */
export class FakeNft implements NftTransport {
  readonly name = 'fake';
  readonly table: string;
  #state: NftState;
  #generation = 1;
  #closed = false;
  #failure: BackendError | undefined;
  /** Every script committed (writes and `run`s), in order. */
  readonly scripts: string[] = [];
  /** Number of writes and runs, committed or not. */
  runs = 0;
  /** Every `forgetUdpFlows` call, in order. */
  readonly forgotten: (readonly StaleUdpFlows[])[] = [];

  constructor(options: FakeNftOptions = {}) {
    this.#state = options.state ?? EMPTY_NFT_STATE;
    this.table = options.table ?? DEFAULT_TABLE;
  }

  /** The committed state (readonly). */
  get state(): NftState {
    return this.#state;
  }

  /** The generation: one more per committed write or run. */
  get generation(): number {
    return this.#generation;
  }

  /** A text listing of the committed state (flat `add ...` lines, elements sorted). */
  ruleset(): string {
    return listRuleset(this.#state);
  }

  /**
   * Makes every later write, run, read and probe fail with `error` (a broken
   * transport); `undefined` mends it.
   */
  breakWith(error: BackendError | undefined): void {
    this.#failure = error;
  }

  /** Commits a script as one transaction, as another program would (`nft -f`). */
  run(script: string): ResultAsync<string, BackendError> {
    this.runs++;
    if (this.#closed) return errAsync(backendError('closed', 'FakeNft is closed'));
    if (this.#failure) return errAsync(this.#failure);
    const next = parseScript(script).andThen((cmds) => applyCommands(this.#state, cmds));
    if (next.isErr()) {
      const e = next.error;
      return errAsync(e.kind === 'parse' ? backendError('rejected', e.message) : e);
    }
    this.#state = next.value;
    this.#generation++;
    this.scripts.push(script);
    return okAsync('');
  }

  write(commands: readonly NftCommand[]): ResultAsync<WriteReport, BackendError> {
    if (commands.length === 0) {
      return okAsync({ path: 'fake', warnings: [], generation: this.#generation });
    }
    return this.run(printCommands(commands, this.table)).map(() => ({
      path: 'fake',
      warnings: [],
      generation: this.#generation,
    }));
  }

  read(): ResultAsync<ObservedState, BackendError> {
    if (this.#closed) return errAsync(backendError('closed', 'FakeNft is closed'));
    if (this.#failure) return errAsync(this.#failure);
    return okAsync(observeTable(this.#mine()));
  }

  probe(): ResultAsync<TableProbe, BackendError> {
    if (this.#closed) return errAsync(backendError('closed', 'FakeNft is closed'));
    if (this.#failure) return errAsync(this.#failure);
    const t = this.#mine();
    return okAsync({
      exists: t !== undefined,
      dormant: t?.dormant ?? false,
      ...(t?.comment === undefined ? {} : { comment: t.comment }),
      generation: this.#generation,
    });
  }

  compare(expected: readonly NftCommand[]): ResultAsync<TableComparison, BackendError> {
    if (this.#failure) return errAsync(this.#failure);
    const built = parseScript(printCommands(expected, this.table)).andThen((cmds) =>
      applyCommands(EMPTY_NFT_STATE, cmds),
    );
    if (built.isErr()) return errAsync(built.error);
    const ref = `${TABLE_FAMILY} ${this.table}`;
    const differences = diffSnapshots(
      snapshotOf(built.value.tables.get(ref)),
      snapshotOf(this.#mine()),
      { table: this.table, mayLinger: isSlotMapName },
    );
    return okAsync({ differences, generation: this.#generation });
  }

  forgetUdpFlows(flows: readonly StaleUdpFlows[]): ResultAsync<number, BackendError> {
    this.forgotten.push([...flows]);
    return okAsync(0);
  }

  /** Marks the fake closed; later calls fail with `closed`. Idempotent. */
  close(): void {
    this.#closed = true;
  }

  #mine(): NftTableState | undefined {
    return this.#state.tables.get(`${TABLE_FAMILY} ${this.table}`);
  }
}
