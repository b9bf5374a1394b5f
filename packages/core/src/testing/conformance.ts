import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Backend, BackendCapabilities } from '../backend.js';
import type { DesiredService, DesiredState, ObservedService, ObservedState } from '../desired.js';
import { SCHEDULERS, type Scheduler } from '../model.js';
import { formatServiceKey } from '../service-key.js';

/** The kernel (or stand-in) under test, made fresh for each conformance test. */
export interface ConformanceTarget {
  /** A backend instance on this kernel; called again to simulate a daemon restart. */
  create(): Backend | Promise<Backend>;
  /** Independent reader (`nft -j list`, an IPVS dump...). Default: a fresh backend's `read()`. */
  read?(): Promise<ObservedState>;
  /** Extra check through another reader (e.g. `ipvsadm -Ln`); throw on mismatch. */
  crossCheck?(desired: DesiredState): Promise<void>;
  /** Removes everything the test left behind (namespaces, tables). */
  destroy?(): Promise<void>;
}

/** Options for `runBackendConformance`. */
export interface ConformanceOptions {
  /** Suite title, e.g. `nftables (kernel)`. */
  readonly name: string;
  /** Makes the target for one test. */
  readonly setup: () => ConformanceTarget | Promise<ConformanceTarget>;
  /** Skip the whole suite (e.g. not root), with the reason shown. */
  readonly skip?: string | false;
}

const V4 = '192.0.2.10';
const V6 = '2001:db8::10';

const dest = (n: number, port = 80, weight = 1, v6 = false) => ({
  name: `d${n}`,
  address: v6 ? `2001:db8:1::${n}` : `198.51.100.${n}`,
  port,
  weight,
});

const service = (
  name: string,
  port: number,
  destinations: DesiredService['destinations'],
  extra: Partial<DesiredService> = {},
): DesiredService => ({
  name,
  key: { vip: V4, port, protocol: 'tcp' },
  scheduler: 'rr',
  whenEmpty: 'reject',
  persistence: 0,
  destinations,
  ...extra,
});

const state = (...services: DesiredService[]): DesiredState => ({
  services: [...services].sort((a, b) => a.name.localeCompare(b.name)),
});

type Described = Pick<ObservedService, 'key' | 'destinations'>;

/** One line per kept destination (or one `(empty)` line per service), sorted. */
function describeServices(services: readonly Described[], caps: BackendCapabilities): string[] {
  return services
    .flatMap((s) => {
      const kept = s.destinations.filter((d) => d.weight > 0 || caps.keepsDrained);
      const id = formatServiceKey(s.key);
      if (kept.length === 0) return [`${id} (empty)`];
      return kept.map(
        (d) => `${id} -> ${d.address}:${d.port}${caps.weights ? ` w${d.weight}` : ''}`,
      );
    })
    .sort();
}

/** Canonical lines describing what a backend with `caps` must show for `desired`. */
export const describeDesired = (desired: DesiredState, caps: BackendCapabilities): string[] =>
  describeServices(desired.services, caps);

/** Canonical lines describing an observed state, comparable with `describeDesired`. */
export const describeObserved = (observed: ObservedState, caps: BackendCapabilities): string[] =>
  describeServices(observed.services, caps);

/**
 * One conformance suite for every backend: applies a sequence of desired states
 * (add, flip, drain, empty, remove, port translation, IPv6, UDP, restart) and
 * checks each through the target's independent reader.
 */
export function runBackendConformance(options: ConformanceOptions): void {
  const suite = options.skip ? describe.skip : describe;
  suite(`backend conformance: ${options.name}`, () => {
    let target: ConformanceTarget;
    let backend: Backend;
    let caps: BackendCapabilities;

    const readBack = async (): Promise<ObservedState> => {
      if (target.read) return target.read();
      const reader = await target.create();
      return (await reader.read())._unsafeUnwrap();
    };

    const converge = async (desired: DesiredState): Promise<void> => {
      const result = await backend.apply(desired);
      if (result.isErr()) throw new Error(`apply failed: ${JSON.stringify(result.error)}`);
      expect(describeObserved(await readBack(), caps)).toEqual(describeDesired(desired, caps));
      await target.crossCheck?.(desired);
    };

    beforeEach(async () => {
      target = await options.setup();
      backend = await target.create();
      caps = backend.capabilities;
    });

    afterEach(async () => {
      await backend?.close();
      await target?.destroy?.();
    });

    const web = service('web', 80, [dest(1), dest(2), dest(3)]);
    const mail = service('mail', 25, [dest(1, 25), dest(2, 25)]);

    it('applies a fresh state with two services', async () => {
      await converge(state(web, mail));
    });

    it('a destination flips down and back up', async () => {
      await converge(state(web, mail));
      await converge(state(service('web', 80, [dest(1), dest(3)]), mail));
      await converge(state(web, mail));
    });

    it('drains a destination (weight 0)', async () => {
      await converge(state(web));
      await converge(state(service('web', 80, [dest(1), dest(2, 80, 0), dest(3)])));
    });

    it('keeps an empty service with its verdict', async () => {
      await converge(state(web, service('mail', 25, [])));
      await converge(state(web, service('mail', 25, [], { whenEmpty: 'drop' })));
      await converge(state(web, service('mail', 25, [dest(1, 25, 0)])));
      await converge(state(web, mail));
    });

    it('removes a service that is no longer desired', async () => {
      await converge(state(web, mail));
      await converge(state(mail));
      await converge(state());
    });

    it('translates ports', async () => {
      await converge(state(service('web', 80, [dest(1, 8080), dest(2, 8081)])));
    });

    it('applies weights (wrr)', async () => {
      await converge(
        state(
          service('web', 80, [dest(1, 80, 1), dest(2, 80, 2), dest(3, 80, 5)], {
            scheduler: 'wrr',
          }),
        ),
      );
      await converge(
        state(service('web', 80, [dest(1, 80, 3), dest(2, 80, 2)], { scheduler: 'wrr' })),
      );
    });

    it('is idempotent', async () => {
      await converge(state(web, mail));
      await converge(state(web, mail));
    });

    it('serves UDP', async (ctx) => {
      if (!caps.udp) ctx.skip();
      const dns = service('dns', 53, [dest(1, 53), dest(2, 53)]);
      const dnsUdp = { ...dns, name: 'dnsudp', key: { ...dns.key, protocol: 'udp' as const } };
      await converge(state(dns, dnsUdp));
      await converge(state(dns, { ...dnsUdp, destinations: [dest(2, 53)] }));
    });

    it('serves IPv6', async (ctx) => {
      if (!caps.ipv6) ctx.skip();
      const v6 = service('web6', 80, [dest(1, 80, 1, true), dest(2, 80, 1, true)], {
        key: { vip: V6, port: 80, protocol: 'tcp' },
      });
      await converge(state(web, v6));
      await converge(state(web, { ...v6, destinations: [dest(2, 80, 1, true)] }));
    });

    it('rejects an unsupported scheduler without applying anything', async (ctx) => {
      const unsupported = SCHEDULERS.find((s: Scheduler) => !caps.schedulers.includes(s));
      if (!unsupported) ctx.skip();
      await converge(state(web));
      const result = await backend.apply(state(web, { ...mail, scheduler: unsupported! }));
      expect(result.isErr() && result.error.kind).toBe('unsupported');
      expect(describeObserved(await readBack(), caps)).toEqual(describeDesired(state(web), caps));
    });

    it('counts no flows where no traffic went (countFlows, when offered)', async (ctx) => {
      if (!backend.countFlows) ctx.skip();
      await converge(state(web, mail));
      const queries = [dest(1), dest(2, 25), dest(9)].map((d, i) => ({
        service: (i === 1 ? mail : web).key,
        address: d.address,
        port: d.port,
      }));
      const counted = await backend.countFlows!(queries);
      if (counted.isErr()) throw new Error(`countFlows failed: ${JSON.stringify(counted.error)}`);
      expect(counted.value).toEqual([0, 0, 0]);
    });

    it('survives a restart: keep, adopt, converge, remove', async () => {
      await converge(state(web, mail));
      expect((await backend.close({ keep: true })).isOk()).toBe(true);
      expect(describeObserved(await readBack(), caps)).toEqual(
        describeDesired(state(web, mail), caps),
      );
      backend = await target.create();
      await converge(state(service('web', 80, [dest(2)])));
      expect((await backend.close()).isOk()).toBe(true);
      expect(describeObserved(await readBack(), caps)).toEqual([]);
    });
  });
}
