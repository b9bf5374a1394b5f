/**
 * Checks of a service's `forward` (how packets reach its destinations):
 * direct routing and tunnelling keep the packet's destination port, so every
 * destination must listen on the service port; and a backend that can only
 * NAT (nftables) refuses them with the line that asked for them.
 */
import type { Forwarding } from '../model.js';
import { configIssue, type SourceMap } from './issue.js';
import type { IssueList } from './issue-list.js';

type Raw = Record<string, unknown>;

const asObject = (value: unknown): Raw | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Raw) : undefined;

const keepsPort = (forward: unknown): forward is 'route' | 'tunnel' =>
  forward === 'route' || forward === 'tunnel';

/**
 * Every destination of a `route`/`tunnel` service must use the service port
 * (IPVS cannot translate ports without NAT). Reads the raw input; values that
 * are invalid on their own are left to the schema.
 */
export function checkForwardingPorts(
  out: IssueList,
  services: readonly unknown[],
  sources?: SourceMap,
): void {
  for (const [i, item] of services.entries()) {
    const service = asObject(item);
    if (!service || !keepsPort(service['forward'])) continue;
    const port = service['port'];
    const list = service['destinations'];
    if (!Array.isArray(list)) continue;
    for (const [j, d] of list.entries()) {
      const given = asObject(d)?.['port'];
      if (given === undefined || given === port || !Number.isInteger(given)) continue;
      const message = `must be the service port ${String(port)} with forward ${service['forward']} (only nat translates ports)`;
      out.add(configIssue('invalid', message, ['services', i, 'destinations', j, 'port'], sources));
    }
  }
}

/**
 * A service asking for a forwarding method outside `supported` (the
 * backend's: `['nat']` for nftables, whose DNAT is NAT) is an `invalid`
 * issue at its `forward` field, with its line.
 */
export function checkForwardingSupport(
  out: IssueList,
  services: readonly unknown[],
  supported: readonly Forwarding[],
  backend: string,
  sources?: SourceMap,
): void {
  for (const [i, item] of services.entries()) {
    const forward = asObject(item)?.['forward'];
    if (forward === undefined || typeof forward !== 'string') continue;
    if ((supported as readonly string[]).includes(forward)) continue;
    const message = `${forward} is not supported by the ${backend} backend (it does ${supported.join(', ')}); forward route and tunnel need IPVS`;
    out.add(configIssue('invalid', message, ['services', i, 'forward'], sources));
  }
}
