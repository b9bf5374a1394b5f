/**
 * An in-memory `LinkTable` with the kernel's answers for the few rtnetlink
 * calls the IPVS backend makes: EEXIST-is-fine on a dummy, `exists` for a link
 * of another kind, addresses that vanish with their link. Every call is
 * logged (with the operation label the backend gives), so tests can check
 * what was sent and in which order beside a `FakeIpvs`. Test-only; not
 * exported from the package entry points.
 */
import {
  type InterfaceAddress,
  type LinkInfo,
  type NetlinkError,
  netlinkError,
} from '@lbkit/netlink';
import { err, ok, type Result } from 'neverthrow';
import type { LinkTable } from '../backend/link-table.js';

interface FakeLink {
  info: LinkInfo;
  readonly addresses: InterfaceAddress[];
}

/** A `LinkTable` over in-memory links, with a call log and failure injection. */
export interface FakeLinkTable extends LinkTable {
  /** Calls in order: `list`, `ensureDummy NAME`, `findLink NAME`, or the operation label. */
  readonly log: string[];
  /** Adds a link (e.g. a `veth` the backend must leave alone). */
  addLink(name: string, kind?: string): LinkInfo;
  /** Adds an address to a link, as someone else would. */
  addRaw(name: string, address: Uint8Array, scope?: number): void;
  /** The addresses of link `name` (bytes as dotted or hex text), or `undefined` when there is no such link. */
  addressesOf(name: string): string[] | undefined;
  /** Return an error to make the call with this log entry fail. */
  fail?: (entry: string) => NetlinkError | undefined;
  /** True after `close()`. */
  readonly closed: boolean;
}

const textOf = (a: Uint8Array): string =>
  a.length === 4 ? a.join('.') : Buffer.from(a).toString('hex');
const same = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/** A fake table shared by every call; `log` may be shared with a `FakeIpvs` hook for ordering. */
export function createFakeLinkTable(log: string[] = []): FakeLinkTable {
  const links = new Map<string, FakeLink>();
  let nextIndex = 2;
  let closed = false;
  const byIndex = (index: number): FakeLink | undefined =>
    [...links.values()].find((l) => l.info.index === index);

  const table: FakeLinkTable = {
    log,
    get closed() {
      return closed;
    },
    addLink(name, kind) {
      const info: LinkInfo = { index: nextIndex++, name, flags: 0, ...(kind ? { kind } : {}) };
      links.set(name, { info, addresses: [] });
      return info;
    },
    addRaw(name, address, scope = 0) {
      const link = links.get(name)!;
      link.addresses.push({ index: link.info.index, address, prefixLength: 32, scope, flags: 0 });
    },
    addressesOf: (name) => links.get(name)?.addresses.map((a) => textOf(a.address)),
    list() {
      return call('list', () => ok([...links.values()].flatMap((l) => l.addresses)));
    },
    ensureDummy(name) {
      return call(`ensureDummy ${name}`, () => {
        const link = links.get(name) ?? { info: table.addLink(name, 'dummy'), addresses: [] };
        links.set(name, link);
        return link.info.kind === 'dummy'
          ? ok(link.info)
          : err(
              netlinkError(
                'exists',
                `link ${name} exists and is a ${link.info.kind} link, not a dummy`,
              ),
            );
      });
    },
    findLink(name) {
      return call(`findLink ${name}`, () => ok(links.get(name)?.info));
    },
    addAddress(index, address, operation) {
      return call(operation, () => {
        const link = byIndex(index);
        if (!link) return err(netlinkError('unavailable', `${operation}: ENODEV`));
        if (!link.addresses.some((a) => same(a.address, address))) {
          link.addresses.push({
            index,
            address,
            prefixLength: address.length * 8,
            scope: 0,
            flags: 0,
          });
        }
        return ok(undefined);
      });
    },
    deleteAddress(index, address, operation) {
      return call(operation, () => {
        const link = byIndex(index);
        if (!link) return err(netlinkError('unavailable', `${operation}: ENODEV`));
        const at = link.addresses.findIndex((a) => same(a.address, address));
        if (at >= 0) link.addresses.splice(at, 1);
        return ok(undefined);
      });
    },
    deleteLink(index, operation) {
      return call(operation, () => {
        const link = byIndex(index);
        if (link) links.delete(link.info.name);
        return ok(undefined);
      });
    },
    close() {
      closed = true;
    },
  };

  function call<T>(entry: string, run: () => Result<T, NetlinkError>): Result<T, NetlinkError> {
    log.push(entry);
    const failure = table.fail?.(entry);
    return failure ? err(failure) : run();
  }
  return table;
}
