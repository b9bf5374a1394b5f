/**
 * The golden cases of the renderer: every scheduler, empty services, IPv6,
 * UDP, port translation, every option, and the incremental changes. Shared by
 * the text goldens (`render/golden.test.ts`) and the netlink wire test
 * (`lab/netlink-wire.kernel.test.ts`), so both cover the same ground.
 * @module
 */
import type { DesiredService, DesiredState } from '@lbkit/core';
import type { NftablesRenderOptions } from '../render/options.js';
import { A, B, C, dest, state, svc, web } from './fixtures.js';

/** A full ruleset case: `testdata/<name>.nft`. */
export interface FullCase {
  readonly name: string;
  readonly desired: DesiredState;
  readonly options?: NftablesRenderOptions;
}
/** An incremental change case: `testdata/<name>.nft`, applied on top of `previous`. */
export interface ChangeCase {
  readonly name: string;
  readonly previous: DesiredState;
  readonly next: DesiredState;
  readonly options?: NftablesRenderOptions;
}

const v6 = svc('web6', '2001:db8::10', 80, [
  dest('A', '2001:db8::11'),
  dest('B', '2001:db8::12', 8080),
]);
const dns = svc(
  'dns',
  '192.0.2.53',
  53,
  [dest('A', '192.0.2.11', 53), dest('B', '192.0.2.12', 53)],
  {
    protocol: 'udp',
  },
);
const other = svc('mail', '192.0.2.25', 25, [
  dest('A', '192.0.2.21', 25),
  dest('B', '192.0.2.22', 25),
]);
/** Twenty services of three destinations: a cold apply with several of each object. */
const twenty: DesiredState = {
  services: Array.from({ length: 20 }, (_, i) =>
    svc(
      `s${String(i).padStart(2, '0')}`,
      '192.0.2.10',
      1000 + i,
      [
        dest('A', '198.51.100.11', 8000 + i),
        dest('B', '198.51.100.12', 8000 + i),
        dest('C', '198.51.100.13', 8000 + i),
      ],
      { protocol: i % 4 === 3 ? 'udp' : 'tcp' },
    ),
  ),
};

const weighted = [
  dest('A', '192.0.2.11', 80, 3),
  dest('B', '192.0.2.12', 80, 1),
  dest('C', '192.0.2.13', 80, 2),
];

/** Persistence 2 s, IPv4 TCP rr over A, B, C; and IPv6 UDP sh, 300 s. */
const sticky = (destinations = [A, B, C], persistence = 2): DesiredService =>
  web(destinations, { persistence });
const sticky6 = svc(
  'dns6',
  '2001:db8::53',
  53,
  [dest('A', '2001:db8::11', 53), dest('B', '2001:db8::12', 5353)],
  { protocol: 'udp', scheduler: 'sh', persistence: 300 },
);

export const FULL: readonly FullCase[] = [
  { name: 'rr', desired: state(web()) },
  { name: 'wrr', desired: state(web(weighted, { scheduler: 'wrr' })) },
  { name: 'wrr-equal', desired: state(web([A, B, C], { scheduler: 'wrr' })) },
  { name: 'random', desired: state(web(weighted, { scheduler: 'random' })) },
  { name: 'sh', desired: state(web([A, B, C], { scheduler: 'sh' })) },
  { name: 'mh', desired: state(web([A, B, C], { scheduler: 'mh' })), options: { mhTableSize: 13 } },
  { name: 'empty-reject-tcp', desired: state(web([])) },
  {
    name: 'empty-reject-udp',
    desired: state(svc('dns', '192.0.2.53', 53, [], { protocol: 'udp' })),
  },
  {
    name: 'empty-drop',
    desired: state(web([dest('A', '192.0.2.11', 80, 0)], { whenEmpty: 'drop' })),
  },
  { name: 'ipv6', desired: state(v6) },
  {
    name: 'ipv6-sh-udp',
    desired: state(
      svc('web6', '2001:db8::10', 80, [dest('A', '2001:db8::11'), dest('B', '2001:db8::12')], {
        scheduler: 'sh',
      }),
      svc('dns6', '2001:db8::53', 53, [dest('A', '2001:db8::11', 53)], {
        protocol: 'udp',
        scheduler: 'random',
      }),
    ),
  },
  { name: 'udp', desired: state(dns) },
  {
    name: 'port-translation',
    desired: state(web([dest('A', '192.0.2.11', 8080), dest('B', '192.0.2.12', 8081)])),
  },
  { name: 'forward-mark', desired: state(web()), options: { forwardMark: 333444555 } },
  { name: 'masquerade', desired: state(web()), options: { masquerade: true } },
  {
    name: 'snat-floating',
    desired: state(web(), v6),
    options: { snat: { ipv4: '198.51.100.1', ipv6: '2001:DB8:5::1' } },
  },
  { name: 'output-hook', desired: state(web()), options: { hooks: { output: true } } },
  { name: 'no-counters', desired: state(web()), options: { counters: false, masquerade: true } },
  { name: 'mixed', desired: state(dns, other, web(), v6), options: { table: 'lb-test' } },
  { name: 'cold-20', desired: twenty },
  { name: 'affinity', desired: state(sticky()) },
  { name: 'affinity-ipv6-udp', desired: state(sticky6) },
  {
    name: 'affinity-mixed',
    desired: state(dns, sticky(), { ...sticky6, key: { ...sticky6.key, protocol: 'tcp' } }),
    options: { counters: false, masquerade: true },
  },
];

export const CHANGES: readonly ChangeCase[] = [
  { name: 'change-flip', previous: state(dns, web()), next: state(dns, web([A, C])) },
  { name: 'change-add-service', previous: state(web()), next: state(web(), other) },
  { name: 'change-remove-service', previous: state(web(), other), next: state(web()) },
  {
    name: 'change-drain',
    previous: state(web()),
    next: state(web([A, dest('B', '192.0.2.12', 80, 0), C])),
  },
  {
    name: 'change-weights',
    previous: state(web([A, B, C], { scheduler: 'wrr' })),
    next: state(web(weighted, { scheduler: 'wrr' })),
  },
  { name: 'change-all-down', previous: state(web()), next: state(web([])) },
  {
    name: 'change-flip-ipv6',
    previous: state(v6, web()),
    next: state({ ...v6, destinations: [v6.destinations[1]!] }, web()),
  },
  {
    name: 'change-flip-sh',
    previous: state(web([A, B, C], { scheduler: 'sh' })),
    next: state(web([A, C], { scheduler: 'sh' })),
  },
  {
    name: 'change-affinity-flip',
    previous: state(dns, sticky()),
    next: state(dns, sticky([A, C])),
  },
  { name: 'change-affinity-return', previous: state(sticky([A, C])), next: state(sticky()) },
  { name: 'change-affinity-timeout', previous: state(sticky()), next: state(sticky([A, B, C], 5)) },
  { name: 'change-affinity-on', previous: state(web()), next: state(sticky()) },
  { name: 'change-affinity-off', previous: state(sticky()), next: state(web()) },
  {
    name: 'change-affinity-remove',
    previous: state(sticky(), sticky6),
    next: state(sticky()),
  },
];
