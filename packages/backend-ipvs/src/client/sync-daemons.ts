/**
 * The IPVS connection sync daemons a balancer pair needs: both a `master`
 * (sends this node's connections) and a `backup` (receives the peer's) on
 * the sync link, always, whatever the VRRP role: the kernel runs both at
 * once, a master daemon sends only what this node forwards, and a takeover
 * then needs no step at all (the connections are in the table already).
 * @module
 */
import { errAsync, okAsync, ResultAsync } from 'neverthrow';
import type { IpvsClient, IpvsError } from './client.js';
import type { SyncDaemonState } from './types.js';

/** The backend option: which daemons, on which link, with which sync id. */
export interface SyncDaemonOptions {
  /** The sync link's interface (1..15 characters). */
  readonly interface: string;
  /** Sync id 0..255, the same on both nodes. Default 0. */
  readonly syncId?: number;
  /** Which daemons to run. Default both: `['master', 'backup']`. */
  readonly states?: readonly SyncDaemonState[];
}

/**
 * Starts every daemon of `options` that is not running with the same
 * interface and id; one running with another interface or id is stopped
 * and started again. Resolves with the states it started.
 */
export function ensureSyncDaemons(
  client: IpvsClient,
  options: SyncDaemonOptions,
): ResultAsync<SyncDaemonState[], IpvsError> {
  const syncId = options.syncId ?? 0;
  const states = options.states ?? ['master', 'backup'];
  return client.syncDaemons().andThen((running) => {
    const work = async () => {
      const started: SyncDaemonState[] = [];
      for (const state of states) {
        const now = running.find((d) => d.state === state);
        if (now && now.interface === options.interface && now.syncId === syncId) continue;
        if (now) {
          const stopped = await client.stopSyncDaemon(state);
          if (stopped.isErr()) throw stopped.error;
        }
        const r = await client.startSyncDaemon({ state, interface: options.interface, syncId });
        if (r.isErr()) throw r.error;
        started.push(state);
      }
      return started;
    };
    return ResultAsync.fromPromise(work(), (e) => e as IpvsError);
  });
}

/** Stops the daemons of `states` (those lbkit started); one not running is fine. */
export function stopSyncDaemons(
  client: IpvsClient,
  states: readonly SyncDaemonState[],
): ResultAsync<void, IpvsError> {
  return states.reduce<ResultAsync<void, IpvsError>>(
    (chain, state) =>
      chain.andThen(() =>
        client
          .stopSyncDaemon(state)
          .orElse((e) => (e.kind === 'not-found' ? okAsync(undefined) : errAsync(e))),
      ),
    okAsync(undefined),
  );
}
