import { errAsync, okAsync, ResultAsync } from 'neverthrow';
import type { Probe, ProbeError, ProbeFactory, ProbeOk, ProbeTarget } from '../probe.js';

/** What a scripted target answers: success, refusal, or nothing at all (until aborted). */
export type ScriptedBehaviour = 'ok' | 'fail' | 'hang';

/** A probe factory whose answers are set per target address by the test. */
export interface ScriptedProbes {
  /** Pass as `probes` to `createBalancer` / `createHealthEngine`. */
  readonly factory: ProbeFactory;
  /** Sets what `address` answers from now on (default `ok`). */
  set(address: string, behaviour: ScriptedBehaviour): void;
  /** Addresses checked, in order. */
  readonly calls: readonly string[];
  /** Largest number of hung checks at once. */
  readonly maxInFlight: number;
}

/**
 * Creates scripted probes for unit tests: no I/O, answers chosen per address,
 * `hang` ignores the timeout on purpose (only the abort signal ends it).
 */
export function createScriptedProbes(): ScriptedProbes {
  const behaviour = new Map<string, ScriptedBehaviour>();
  const calls: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;

  const hang = (signal: AbortSignal | undefined): ResultAsync<ProbeOk, ProbeError> => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const hung = new Promise<ProbeOk>((_resolve, reject) => {
      signal?.addEventListener('abort', () => {
        inFlight--;
        reject(new Error('aborted'));
      });
    });
    return ResultAsync.fromPromise(hung, () => ({
      kind: 'aborted' as const,
      message: 'aborted',
      latencyMs: 0,
    }));
  };

  const probe: Probe = {
    description: 'scripted',
    check(target: ProbeTarget, { signal }) {
      calls.push(target.address);
      const b = behaviour.get(target.address) ?? 'ok';
      if (b === 'ok') return okAsync({ latencyMs: 1, identity: target.address });
      if (b === 'fail') return errAsync({ kind: 'refused', message: 'refused', latencyMs: 1 });
      return hang(signal);
    },
  };

  return {
    factory: () => probe,
    set: (address, b) => behaviour.set(address, b),
    calls,
    get maxInFlight() {
      return maxInFlight;
    },
  };
}
