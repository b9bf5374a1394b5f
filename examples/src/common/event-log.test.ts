import {
  type Backend,
  type Balancer,
  createBalancer,
  DEFAULT_HEALTH,
  type Service,
} from '@lbkit/core';
import { createFakeBackend, createScriptedProbes } from '@lbkit/core/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { scaleServices } from '../test-support/scale-services.js';
import { attachEventLog, listNames } from './event-log.js';

const health = {
  ...DEFAULT_HEALTH,
  interval: 1000,
  fastInterval: 100,
  jitter: 0,
  rise: 1,
  fall: 1,
};

const services = (n: number, perService = 3): Service[] => scaleServices(n, perService, health);

/** A balancer whose `status()` calls are counted. */
function counted(list: Service[]) {
  const probes = createScriptedProbes();
  const balancer = createBalancer({
    services: list,
    backend: createFakeBackend(),
    probes: probes.factory,
    random: () => 0,
  });
  let statusCalls = 0;
  const spied: Balancer = {
    ...balancer,
    on: balancer.on,
    status: () => {
      statusCalls++;
      return balancer.status();
    },
    services: balancer.services,
  };
  return { balancer, spied, probes, calls: () => statusCalls };
}

describe('attachEventLog', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('costs O(1) per event: 3,000 first verdicts, no status() call, every line with its address', async () => {
    const { balancer, spied, calls } = counted(services(1000));
    const lines: string[] = [];
    attachEventLog(spied, { info: (l) => lines.push(l), warn: (l) => lines.push(l) });
    await balancer.start();
    await vi.advanceTimersByTimeAsync(50);
    const health = lines.filter((l) => / unknown -> up: /.test(l));
    expect(health).toHaveLength(3000);
    expect(health[0]).toMatch(
      /^service s0: destination d0 \(\[2001:db8:1::1\]:1000\) unknown -> up: first check: ok in \d+ ms/,
    );
    expect(calls()).toBe(0);
    await balancer.stop();
  });

  it('follows a reload: a moved destination is logged at its new address', async () => {
    const { balancer, probes } = counted(services(1, 1));
    const lines: string[] = [];
    attachEventLog(balancer, { info: (l) => lines.push(l), warn: (l) => lines.push(l) });
    await balancer.start();
    await vi.advanceTimersByTimeAsync(50);
    const [service] = services(1, 1);
    const moved = {
      ...service!,
      destinations: [{ ...service!.destinations[0]!, address: '2001:db8:9::9' }],
    };
    balancer.reload([moved]);
    probes.set('2001:db8:9::9', 'fail');
    await vi.advanceTimersByTimeAsync(50);
    expect(lines).toContain('configuration changed: updated s0');
    expect(
      lines.some((l) =>
        l.startsWith('service s0: destination d0 ([2001:db8:9::9]:1000) unknown -> down'),
      ),
    ).toBe(true);
    await balancer.stop();
  });

  it("logs the backend's warnings as problems", async () => {
    const fake = createFakeBackend();
    const backend: Backend = {
      ...fake,
      apply: (d) => fake.apply(d).map((r) => ({ ...r, warnings: ['VIP 192.0.2.10 is not local'] })),
    };
    const balancer = createBalancer({
      services: services(1),
      backend,
      probes: createScriptedProbes().factory,
    });
    const problems: string[] = [];
    attachEventLog(balancer, { info: () => undefined, warn: (l) => problems.push(l) });
    await balancer.start();
    expect(problems).toEqual(['backend warning: VIP 192.0.2.10 is not local']);
    await balancer.stop();
  });

  it('logs a drain until a deadline: start, flows left, the end', async () => {
    const fake = createFakeBackend();
    const balancer = createBalancer({
      services: services(1),
      backend: fake,
      probes: createScriptedProbes().factory,
    });
    const lines: string[] = [];
    attachEventLog(balancer, { info: (l) => lines.push(l), warn: (l) => lines.push(`! ${l}`) });
    await balancer.start();
    const [service] = balancer.services();
    const destination = service!.destinations[0]!;
    fake.setFlows(
      { service: service!.key, address: destination.address, port: destination.port },
      2,
    );
    balancer
      .drain(service!.name, destination.name, { until: 1000, pollInterval: 100 })
      ._unsafeUnwrap();
    await vi.advanceTimersByTimeAsync(1500);
    const mine = lines.filter((l) => l.startsWith(`${service!.name}/${destination.name}:`));
    expect(mine[0]).toMatch(/: draining; out once idle or after 1000 ms$/);
    expect(mine.at(-1)).toMatch(/: deadline reached after \d+ ms; out of the service \(disabled\)/);
    await balancer.stop();
  });

  it('lists at most 20 names per line', () => {
    const names = Array.from({ length: 10_000 }, (_, i) => `s${i}`);
    expect(listNames(names)).toBe(`${names.slice(0, 20).join(', ')} and 9,980 more`);
    expect(listNames(['a', 'b'])).toBe('a, b');
  });
});
