import type { AddressInfo } from 'node:net';
import { createBalancer, createBalancerMetrics, type ObservedState } from '@lbkit/core';
import { createFakeBackend, createScriptedProbes } from '@lbkit/core/testing';
import { okAsync } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import { scaleServices } from '../test-support/scale-services.js';
import { serveMetrics } from './metrics.js';

describe('serveMetrics', () => {
  it('serves the library exporter on /metrics with the kernel counters, 404 elsewhere', async () => {
    const list = scaleServices(3);
    const balancer = createBalancer({
      services: list,
      backend: createFakeBackend(),
      probes: createScriptedProbes().factory,
    });
    const observed: ObservedState = {
      services: list.map((s, i) => ({
        key: s.key,
        destinations: s.destinations.map((d) => ({ ...d, weight: 1, packets: i })),
      })),
    };
    const metrics = createBalancerMetrics(balancer, { kernel: () => okAsync(observed) });
    const server = await serveMetrics('127.0.0.1', 0, metrics.handler);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const got = await fetch(`${base}/metrics?x=1`);
      expect(got.status).toBe(200);
      expect(got.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await got.text();
      expect(text).toMatch(/^lbkit_destination_packets_total\{service="s2",destination="d2"\} 2$/m);
      expect(text).toMatch(/^lbkit_kernel_read_ok 1$/m);
      expect((await fetch(`${base}/`)).status).toBe(404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      metrics.close();
    }
  });
});
