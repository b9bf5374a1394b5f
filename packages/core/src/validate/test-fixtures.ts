import type { ServiceInput } from './input.js';

/** A valid two-destination service input, with `extra` fields merged over it (tests only). */
export const webInput = (extra: Record<string, unknown> = {}): ServiceInput =>
  ({
    name: 'web',
    vip: '192.0.2.10',
    port: 80,
    destinations: [
      { name: 'a', address: '198.51.100.1' },
      { name: 'b', address: '198.51.100.2', port: 8080, weight: 5 },
    ],
    ...extra,
  }) as ServiceInput;
