import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type BackendError, backendError } from '@lbkit/core';
import { ResultAsync } from 'neverthrow';

/**
 * Which IPVS services this lbkit instance created. IPVS has no comment or owner
 * field, so ownership lives outside the kernel: a list of service ids
 * (`formatServiceId`) with the lbkit service name of each.
 */
export interface OwnershipRecord {
  /** Service id text -> lbkit service name. */
  readonly services: Readonly<Record<string, string>>;
}

/** Where ownership is kept between runs. */
export interface OwnershipStore {
  /** The record, or an empty one when nothing was stored. */
  load(): ResultAsync<OwnershipRecord, BackendError>;
  save(record: OwnershipRecord): ResultAsync<void, BackendError>;
  /** Forgets everything (after `close()` removed the services). */
  clear(): ResultAsync<void, BackendError>;
}

/** In-memory store (tests; or a daemon that never restarts). Share one to simulate a restart. */
export function createMemoryOwnershipStore(): OwnershipStore & { record: OwnershipRecord } {
  const store = {
    record: { services: {} } as OwnershipRecord,
    load: () => ResultAsync.fromSafePromise(Promise.resolve(store.record)),
    save: (record: OwnershipRecord) =>
      ResultAsync.fromSafePromise(
        Promise.resolve().then(() => {
          store.record = record;
        }),
      ),
    clear: () =>
      ResultAsync.fromSafePromise(
        Promise.resolve().then(() => {
          store.record = { services: {} };
        }),
      ),
  };
  return store;
}

/** Default state file for an instance: `/run/lbkit/ipvs-<instance>.json` (tmpfs: gone at reboot, like IPVS state). */
export const defaultStateFile = (instance: string): string => `/run/lbkit/ipvs-${instance}.json`;

/**
 * JSON file store, written atomically (temp file + rename). The file format is
 * `{ "version": 1, "services": { "tcp/192.0.2.10:80": "web" } }`. A missing file is
 * an empty record; an unreadable one is `parse`.
 */
export function createFileOwnershipStore(path: string): OwnershipStore {
  return {
    load: () =>
      ResultAsync.fromPromise(
        readFile(path, 'utf8').then(
          (text) => {
            const parsed = JSON.parse(text) as { version?: number; services?: unknown };
            const services = parsed.services;
            if (parsed.version !== 1 || typeof services !== 'object' || services === null) {
              throw new Error('unexpected content');
            }
            const out: Record<string, string> = {};
            for (const [k, v] of Object.entries(services)) if (typeof v === 'string') out[k] = v;
            return { services: out };
          },
          (error: NodeJS.ErrnoException) => {
            if (error.code === 'ENOENT') return { services: {} };
            throw error;
          },
        ),
        (e) =>
          backendError('parse', `ownership file ${path}: ${(e as Error).message}`, { cause: e }),
      ),
    save: (record) =>
      ResultAsync.fromPromise(
        (async () => {
          await mkdir(dirname(path), { recursive: true, mode: 0o755 });
          const tmp = `${path}.${process.pid}.tmp`;
          await writeFile(
            tmp,
            `${JSON.stringify({ version: 1, services: record.services }, null, 2)}\n`,
          );
          await rename(tmp, path);
        })(),
        (e) =>
          backendError('internal', `cannot write ${path}: ${(e as Error).message}`, { cause: e }),
      ),
    clear: () =>
      ResultAsync.fromPromise(rm(path, { force: true }), (e) =>
        backendError('internal', `cannot remove ${path}: ${(e as Error).message}`, { cause: e }),
      ),
  };
}
