import type { ServiceKey } from './model.js';

/** Stable text form of a service key: `192.0.2.10:80/tcp`, `[2001:db8::1]:53/udp`. */
export const formatServiceKey = (key: ServiceKey): string =>
  key.vip.includes(':')
    ? `[${key.vip}]:${key.port}/${key.protocol}`
    : `${key.vip}:${key.port}/${key.protocol}`;
