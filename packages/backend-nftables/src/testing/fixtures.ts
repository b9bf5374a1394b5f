import {
  type DesiredDestination,
  type DesiredService,
  type DesiredState,
  parseAddress,
  type Scheduler,
  withParsedAddress,
} from '@lbkit/core';

/** Builds a desired destination (tests and examples). */
export const dest = (name: string, address: string, port = 80, weight = 1): DesiredDestination => {
  return withParsedAddress({ name, address, port, weight }, 'parsed', parseAddress(address));
};

/** Builds a desired service with defaults: tcp, rr, reject, no persistence. */
export function svc(
  name: string,
  vip: string,
  port: number,
  destinations: readonly DesiredDestination[],
  extra: Partial<Pick<DesiredService, 'scheduler' | 'whenEmpty' | 'persistence'>> & {
    protocol?: 'tcp' | 'udp';
  } = {},
): DesiredService {
  const service: DesiredService = {
    name,
    key: { vip, port, protocol: extra.protocol ?? 'tcp' },
    scheduler: extra.scheduler ?? ('rr' as Scheduler),
    whenEmpty: extra.whenEmpty ?? 'reject',
    persistence: extra.persistence ?? 0,
    destinations,
  };
  return withParsedAddress(service, 'parsedVip', parseAddress(vip));
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

/**
 * A `FakeNft.ruleset()` / `listRuleset()` listing without slot map shards
 * that hold no element. A change never deletes a shard (other services may
 * share it), so an incremental history can leave empty ones that a fresh full
 * render does not declare; they carry no behaviour.
 */
export function withoutEmptyShards(listing: string): string {
  const used = new Set(
    [...listing.matchAll(/^add element \S+ \S+ (slots[46]_(?:tcp|udp)_\d+) /gm)].map((m) => m[1]),
  );
  return listing
    .split('\n')
    .filter((line) => {
      const m = /^add map \S+ \S+ (slots[46]_(?:tcp|udp)_\d+) /.exec(line);
      return !m || used.has(m[1]);
    })
    .join('\n');
}
