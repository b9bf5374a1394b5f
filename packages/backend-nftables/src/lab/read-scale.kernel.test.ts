/**
 * Reading the table back is linear in its size: the kernel's JSON listing of
 * 300 and 3,000 services x 3 (a real table in a namespace) is parsed in time
 * proportional to the services. Per-destination counters and shared-map
 * slots used to be filtered from every element for each service (O(n²): a
 * 10,000-service read took more than 10 minutes of parsing).
 */
import type { DesiredState } from '@lbkit/core';
import { NetnsLab } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNftablesBackend } from '../backend/backend.js';
import { serviceFromChain } from '../names.js';
import { parseObservedState } from '../read/parse-observed.js';
import { openLibnftables } from '../transport/libnftables.js';
import { kernelSkip } from './kernel-env.js';

const skip = kernelSkip(['nft']);

const desired = (n: number): DesiredState => ({
  services: Array.from({ length: n }, (_, i) => ({
    name: `s${String(i).padStart(5, '0')}`,
    key: { vip: `2001:db8:a::${(i + 1).toString(16)}`, port: 80, protocol: 'tcp' as const },
    scheduler: 'rr' as const,
    whenEmpty: 'reject' as const,
    persistence: 0,
    destinations: [1, 2, 3].map((j) => ({
      name: `d${j}`,
      address: `2001:db8:1::${(i + 1).toString(16)}:${j}`,
      port: 80,
      weight: 1,
    })),
  })),
});

describe.skipIf(skip)(`reading a large table back${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const lab = new NetnsLab('lbkn');
  let ns: string;
  beforeAll(async () => {
    ns = await lab.add('readscale');
  });
  afterAll(async () => {
    await lab.destroy();
  });

  /** Parse time (fastest of three) of the kernel's listing of `n` services x 3. */
  const parseMs = async (n: number): Promise<number> => {
    const table = `lbkn_read${n}`;
    const backend = createNftablesBackend({ netns: ns, table })._unsafeUnwrap();
    (await backend.apply(desired(n)))._unsafeUnwrap();
    const transport = openLibnftables({ netns: ns })._unsafeUnwrap();
    const doc = (await transport.json(`list table inet ${table}`))._unsafeUnwrap();
    let best = Number.POSITIVE_INFINITY;
    for (let run = 0; run < 3; run++) {
      const started = performance.now();
      const state = parseObservedState(doc, { table, serviceName: serviceFromChain });
      best = Math.min(best, performance.now() - started);
      const services = state._unsafeUnwrap().services;
      expect(services).toHaveLength(n);
      expect(services.every((s) => s.destinations.length === 3)).toBe(true);
    }
    transport.close();
    await backend.close();
    return best;
  };

  it('parses 3,000 services x 3 in about 10x the time of 300 (not 100x)', async () => {
    const small = await parseMs(300);
    const large = await parseMs(3000);
    expect(large / Math.max(small, 1)).toBeLessThan(30);
  });
});
