import type { BalancerError } from './balancer-types.js';
import type { Service } from './model.js';
import { formatServiceKey } from './service-key.js';

/**
 * Checks the invariants a whole set of services must keep at run time:
 * unique service names, unique service keys, unique destination names within
 * a service. Field-level validation is the config loaders' job.
 */
export function checkServiceSet(services: readonly Service[]): BalancerError | undefined {
  const names = new Set<string>();
  const keys = new Set<string>();
  for (const service of services) {
    if (names.has(service.name)) {
      return { kind: 'duplicate', message: `service "${service.name}" appears twice` };
    }
    names.add(service.name);
    const key = formatServiceKey(service.key);
    if (keys.has(key)) return { kind: 'duplicate', message: `two services use ${key}` };
    keys.add(key);
    const destinations = new Set<string>();
    for (const d of service.destinations) {
      if (destinations.has(d.name)) {
        return { kind: 'duplicate', message: `service "${service.name}" has "${d.name}" twice` };
      }
      destinations.add(d.name);
    }
  }
  return undefined;
}
