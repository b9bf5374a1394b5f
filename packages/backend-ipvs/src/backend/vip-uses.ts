import { type DesiredService, parsedAddressOf } from '@lbkit/core';
import type { VipUse } from './local-vips.js';

/** What `vipUses` reads of a service (a desired one, or a validated `Service`). */
export type VipCarrier = Pick<DesiredService, 'name' | 'key' | 'parsedVip'>;

/** The VIPs of a desired state (canonical text) and the services using each. */
export function vipUses(desired: {
  readonly services: readonly VipCarrier[];
}): Map<string, VipUse> {
  const out = new Map<string, { address: VipUse['address']; services: string[] }>();
  for (const s of desired.services) {
    const address = parsedAddressOf(s.key.vip, s.parsedVip);
    if (!address) continue;
    const use = out.get(address.canonical);
    if (use) use.services.push(s.name);
    else out.set(address.canonical, { address, services: [s.name] });
  }
  return out;
}
