/**
 * Cross checks of a service's sorry destination (keepalived `sorry_server`):
 * the VIP's address family, and a name and address:port that no real
 * destination of the service uses. Reads the raw input, like `cross-checks.ts`.
 */
import { parseAddress } from '../address.js';
import { configIssue, type SourceMap, type SourcePath } from './issue.js';
import type { IssueList } from './issue-list.js';
import { isValidName } from './names.js';
import { messageAt } from './zod-issues.js';

type Raw = Record<string, unknown>;

const asObject = (value: unknown): Raw | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Raw) : undefined;

const peekPort = (value: unknown): number | undefined =>
  Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535
    ? (value as number)
    : undefined;

const peek = (value: unknown) => (typeof value === 'string' ? parseAddress(value) : undefined);

/** Checks `services[index].sorry` against the VIP and the service's destinations. */
export function checkSorry(
  root: unknown,
  index: number,
  service: Raw,
  sources: SourceMap | undefined,
  out: IssueList,
): void {
  const sorry = asObject(service['sorry']);
  if (!sorry) return;
  const base: SourcePath = ['services', index, 'sorry'];
  const issue = (field: string, kind: 'invalid' | 'duplicate', tail: string) =>
    out.add(configIssue(kind, messageAt(root, [...base, field], tail), [...base, field], sources));
  const vip = peek(service['vip']);
  const address = peek(sorry['address']);
  if (vip && address && vip.family !== address.family) {
    issue(
      'address',
      'invalid',
      `${address.canonical} is not of the VIP's family (${vip.canonical}); a service never mixes families`,
    );
  }
  const name = sorry['name'] === undefined ? 'sorry' : sorry['name'];
  const port = sorry['port'] === undefined ? peekPort(service['port']) : peekPort(sorry['port']);
  const list = Array.isArray(service['destinations']) ? service['destinations'] : [];
  for (const item of list) {
    const d = asObject(item);
    if (!d) continue;
    if (typeof name === 'string' && isValidName(name) && d['name'] === name) {
      issue('name', 'duplicate', `"${name}" is already used by a destination of this service`);
    }
    const dPort = d['port'] === undefined ? peekPort(service['port']) : peekPort(d['port']);
    const dAddress = peek(d['address']);
    if (address && dAddress && dAddress.canonical === address.canonical && dPort === port) {
      issue(
        'address',
        'duplicate',
        `${address.canonical} port ${port} is a destination of this service; a sorry server stands apart`,
      );
    }
  }
}
