/**
 * Test helper (not exported by the package): what every loaded model must
 * satisfy, whatever the input was.
 */
import { expect } from 'vitest';
import { parseAddress } from '../address.js';
import type { Service } from '../model.js';
import { NAME_PATTERN } from '../validate/names.js';
import { serviceToInput, validateServices } from '../validate/validate-services.js';

const isCanonical = (address: string): boolean => parseAddress(address)?.canonical === address;
const isPort = (port: number): boolean => Number.isInteger(port) && port >= 1 && port <= 65535;

/** Asserts names, canonical addresses, one family per service, ranges, and that validation is idempotent. */
export function expectValidModel(services: readonly Service[]): void {
  for (const service of services) {
    expect(service.name).toMatch(NAME_PATTERN);
    expect(isCanonical(service.key.vip), service.key.vip).toBe(true);
    expect(isPort(service.key.port)).toBe(true);
    const family = parseAddress(service.key.vip)?.family;
    for (const dest of service.destinations) {
      expect(dest.name).toMatch(NAME_PATTERN);
      expect(isCanonical(dest.address), dest.address).toBe(true);
      expect(parseAddress(dest.address)?.family).toBe(family);
      if (dest.connectAddress !== undefined) {
        expect(isCanonical(dest.connectAddress)).toBe(true);
        expect(parseAddress(dest.connectAddress)?.family).toBe(family);
      }
      expect(isPort(dest.port)).toBe(true);
      expect(Number.isInteger(dest.weight) && dest.weight >= 0 && dest.weight <= 65535).toBe(true);
    }
  }
  expect(validateServices(services.map(serviceToInput))._unsafeUnwrap()).toEqual(services);
}
