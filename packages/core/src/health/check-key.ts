import type { Destination, Service } from '../model.js';
import type { CheckDefinition } from './types.js';

/** Stable JSON: object keys sorted, so equal specs give equal text. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The check for one destination of one service. Two destinations whose probe
 * spec, protocol, target and health settings are equal get the same `key` and
 * share one check (one probe run serves every service using it).
 */
export function checkFor(service: Service, destination: Destination): CheckDefinition {
  const target = {
    address: destination.connectAddress ?? destination.address,
    port: destination.connectPort ?? destination.port,
  };
  const protocol = service.key.protocol;
  const key = stableJson({ spec: service.probe, protocol, target, settings: service.health });
  return { key, spec: service.probe, protocol, target, settings: service.health };
}
