import { DEFAULT_HEALTH, type HealthSettings, type Service } from '@lbkit/core';

/**
 * `n` validated services of `perService` destinations each, for scale tests
 * and benchmarks: service `s<i>` on 2001:db8::10 port 1000 + i (keys never clash),
 * destinations `d1..` at distinct IPv6 addresses.
 */
export function scaleServices(
  n: number,
  perService = 3,
  health: HealthSettings = DEFAULT_HEALTH,
): Service[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `s${i}`,
    key: { vip: '2001:db8::10', port: 1000 + i, protocol: 'tcp' as const },
    scheduler: 'rr' as const,
    destinations: Array.from({ length: perService }, (_, j) => ({
      name: `d${j}`,
      address: `2001:db8:1::${(i * perService + j + 1).toString(16)}`,
      port: 1000 + i,
      weight: 1,
    })),
    probe: { kind: 'tcp' as const },
    health,
    whenEmpty: 'reject' as const,
    downAction: 'remove' as const,
    persistence: 0,
  }));
}
