import type { DesiredDestination, DesiredService, DesiredState, Scheduler } from '@lbkit/core';

/** Builds a desired destination (tests and examples). */
export const dest = (name: string, address: string, port = 80, weight = 1): DesiredDestination => ({
  name,
  address,
  port,
  weight,
});

/** Builds a desired service with defaults: tcp, rr, reject. */
export function svc(
  name: string,
  vip: string,
  port: number,
  destinations: readonly DesiredDestination[],
  extra: Partial<Pick<DesiredService, 'scheduler' | 'whenEmpty'>> & {
    protocol?: 'tcp' | 'udp';
  } = {},
): DesiredService {
  return {
    name,
    key: { vip, port, protocol: extra.protocol ?? 'tcp' },
    scheduler: extra.scheduler ?? ('rr' as Scheduler),
    whenEmpty: extra.whenEmpty ?? 'reject',
    persistence: 0,
    destinations,
  };
}

/** Fixture destination A (192.0.2.11:80). */
export const A = dest('A', '192.0.2.11');
/** Fixture destination B (192.0.2.12:80). */
export const B = dest('B', '192.0.2.12');
/** Fixture destination C (192.0.2.13:80). */
export const C = dest('C', '192.0.2.13');

/** web: 192.0.2.10:80/tcp -> A, B, C. */
export const web = (
  destinations = [A, B, C],
  extra: Parameters<typeof svc>[4] = {},
): DesiredService => svc('web', '192.0.2.10', 80, destinations, extra);

/** Builds a desired state. */
export const state = (...services: DesiredService[]): DesiredState => ({ services });
