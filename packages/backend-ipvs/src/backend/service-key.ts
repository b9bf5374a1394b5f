import { formatServiceId, type ServiceId } from '../client/types.js';

const keys = new WeakMap<ServiceId, string>();

/**
 * `formatServiceId(id)`, computed once per id object: the backend and the
 * diff key every service of every apply by it, and ids are immutable and
 * shared between applies (see `toIpvsSnapshot`'s cache).
 */
export function serviceKey(id: ServiceId): string {
  let key = keys.get(id);
  if (key === undefined) {
    key = formatServiceId(id);
    keys.set(id, key);
  }
  return key;
}
