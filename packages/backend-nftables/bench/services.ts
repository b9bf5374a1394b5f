import {
  type DesiredService,
  type DesiredState,
  type Protocol,
  parseAddress,
  withParsedAddress,
} from '@lbkit/core';

/** The VIP and the three destination addresses the benchmark states use (documentation ranges). */
export const VIP = '192.0.2.10';
export const ADDRESSES: readonly string[] = ['198.51.100.11', '198.51.100.12', '198.51.100.13'];

/** Milliseconds rounded for a table: 3 decimals below 10, else 1. */
export const ms = (v: number): number => Number(v.toFixed(v < 10 ? 3 : 1));

/** Port of benchmark service `i` (0-based): 10000 + i, so 10,000 services fit below 65536. */
export const servicePort = (i: number): number => 10_000 + i;

/** Name of benchmark service `i`, zero-padded so name order = index order. */
export const serviceName = (i: number): string => `svc${String(i).padStart(5, '0')}`;

/**
 * `n` services on `vip` ports 10000.. each with the given destination addresses
 * (port 80, port translation), round robin. Sorted by name as `DesiredState`
 * requires. Addresses carry their parsed form, as core's validated model and
 * `plan()` hand them over.
 */
export function benchState(
  n: number,
  vip: string,
  addresses: readonly string[],
  protocol: Protocol = 'tcp',
): DesiredState {
  const services: DesiredService[] = [];
  const parsedVip = parseAddress(vip);
  const parsed = addresses.map((a) => parseAddress(a));
  for (let i = 0; i < n; i++) {
    const service: DesiredService = {
      name: serviceName(i),
      key: { vip, port: servicePort(i), protocol },
      scheduler: 'rr',
      whenEmpty: 'reject',
      persistence: 0,
      destinations: addresses.map((address, j) =>
        withParsedAddress({ name: `d${j + 1}`, address, port: 80, weight: 1 }, 'parsed', parsed[j]),
      ),
    };
    services.push(withParsedAddress(service, 'parsedVip', parsedVip));
  }
  return { services };
}

/** `state` with service `index` reduced to its first `keep` destinations. */
export function withFlip(state: DesiredState, index: number, keep: number): DesiredState {
  const services = state.services.slice();
  const s = services[index]!;
  services[index] = { ...s, destinations: s.destinations.slice(0, keep) };
  return { services };
}
