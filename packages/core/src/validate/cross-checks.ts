/**
 * Checks across fields and across services: address families and
 * duplicates. They read the raw input and use only the values that are valid
 * on their own, so they run even when other fields of a service are wrong and
 * every problem is reported in one pass.
 */
import { parseAddress } from '../address.js';
import type { IpFamily, Protocol } from '../model.js';
import { formatServiceKey } from '../service-key.js';
import { configIssue, type SourceMap, type SourcePath } from './issue.js';
import type { IssueList } from './issue-list.js';
import { isValidName } from './names.js';
import { checkSorry } from './sorry-checks.js';
import { messageAt } from './zod-issues.js';

type Raw = Record<string, unknown>;

const asObject = (value: unknown): Raw | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Raw) : undefined;

const peekName = (value: unknown): string | undefined =>
  typeof value === 'string' && isValidName(value) ? value : undefined;

const peekPort = (value: unknown): number | undefined =>
  Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535
    ? (value as number)
    : undefined;

const peekAddress = (value: unknown) =>
  typeof value === 'string' ? parseAddress(value) : undefined;

const peekProtocol = (value: unknown): Protocol | undefined =>
  value === undefined ? 'tcp' : value === 'tcp' || value === 'udp' ? value : undefined;

const familyName = (family: IpFamily): string => (family === 4 ? 'IPv4' : 'IPv6');

const hostPort = (address: string, port: number): string =>
  address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;

/** ` on line 3` for where the first one is, or nothing when the line is unknown. */
const onLine = (path: SourcePath, sources?: SourceMap): string => {
  const line = sources?.lineOf(path);
  return line === undefined ? '' : ` on line ${line}`;
};

/** `destination "a"` for a valid name, else `another destination`. */
const called = (noun: string, name: string | undefined): string =>
  name === undefined ? `another ${noun}` : `${noun} "${name}"`;

/** Family and duplicate checks inside one service (raw input at `services[index]`). */
function checkService(
  root: unknown,
  index: number,
  service: Raw,
  sources: SourceMap | undefined,
  out: IssueList,
): void {
  const base: SourcePath = ['services', index];
  const vip = peekAddress(service['vip']);
  const servicePort = peekPort(service['port']);
  const list = service['destinations'];
  if (!Array.isArray(list)) return;
  const names = new Map<string, number>();
  const targets = new Map<string, number>();
  for (const [j, item] of list.entries()) {
    const dest = asObject(item);
    if (!dest) continue;
    const path: SourcePath = [...base, 'destinations', j];
    for (const field of ['address', 'connectAddress'] as const) {
      const parsed = peekAddress(dest[field]);
      if (vip && parsed && parsed.family !== vip.family) {
        const tail = `${parsed.canonical} is ${familyName(parsed.family)} but the VIP ${vip.canonical} is ${familyName(vip.family)}; a service never mixes families`;
        out.add(
          configIssue(
            'invalid',
            messageAt(root, [...path, field], tail),
            [...path, field],
            sources,
          ),
        );
      }
    }
    const name = peekName(dest['name']);
    if (name !== undefined) {
      const first = names.get(name);
      if (first === undefined) names.set(name, j);
      else {
        const firstPath = [...base, 'destinations', first];
        const tail = `"${name}" is already used by another destination${onLine(firstPath, sources)}`;
        out.add(
          configIssue(
            'duplicate',
            messageAt(root, [...path, 'name'], tail),
            [...path, 'name'],
            sources,
          ),
        );
      }
    }
    const address = peekAddress(dest['address']);
    const port = dest['port'] === undefined ? servicePort : peekPort(dest['port']);
    if (address && port !== undefined) {
      const target = hostPort(address.canonical, port);
      const first = targets.get(target);
      if (first === undefined) targets.set(target, j);
      else {
        const firstPath = [...base, 'destinations', first];
        const firstName = peekName(asObject(list[first])?.['name']);
        const tail = `${target} is already used by ${called('destination', firstName)}${onLine(firstPath, sources)}`;
        out.add(
          configIssue(
            'duplicate',
            messageAt(root, [...path, 'address'], tail),
            [...path, 'address'],
            sources,
          ),
        );
      }
    }
  }
}

/**
 * Cross checks over a raw list of services: mixed families inside a service,
 * duplicate destination names and address:port inside a service, duplicate
 * service names (the same name with a different VIP is an error, never a
 * merge) and duplicate service keys.
 */
export function crossCheckServices(
  out: IssueList,
  root: unknown,
  services: readonly unknown[],
  sources?: SourceMap,
): void {
  const byName = new Map<string, { index: number; vip: string | undefined }>();
  const byKey = new Map<string, { index: number; name: string | undefined }>();
  for (const [i, item] of services.entries()) {
    const service = asObject(item);
    if (!service) continue;
    checkService(root, i, service, sources, out);
    checkSorry(root, i, service, sources, out);
    const name = peekName(service['name']);
    const vip = peekAddress(service['vip']);
    if (name !== undefined) {
      const first = byName.get(name);
      if (first === undefined) byName.set(name, { index: i, vip: vip?.canonical });
      else {
        const differs =
          vip && first.vip !== undefined && first.vip !== vip.canonical
            ? ` with a different VIP (${first.vip} there, ${vip.canonical} here); services are never merged`
            : '';
        const message = `"${name}" is already used by another service${onLine(['services', first.index], sources)}${differs}`;
        out.add(configIssue('duplicate', message, ['services', i, 'name'], sources));
      }
    }
    const port = peekPort(service['port']);
    const protocol = peekProtocol(service['protocol']);
    if (vip && port !== undefined && protocol !== undefined) {
      const key = formatServiceKey({ vip: vip.canonical, port, protocol });
      const first = byKey.get(key);
      if (first === undefined) byKey.set(key, { index: i, name });
      else if (name === undefined || first.name !== name) {
        const path: SourcePath = ['services', i, 'vip'];
        const tail = `${key} is already used by ${called('service', first.name)}${onLine(['services', first.index], sources)}`;
        out.add(configIssue('duplicate', messageAt(root, path, tail), path, sources));
      }
    }
  }
}
