import { describe, expect, it } from 'vitest';
import type { DestinationStatus } from './balancer-types.js';
import { parseConfig } from './config/json-config.js';
import { DEFAULT_HEALTH, type Service } from './model.js';
import { plan } from './plan.js';
import { quorumTransitions } from './quorum.js';
import { formatConfigIssue } from './validate/issue.js';
import { validateServices } from './validate/validate-services.js';

const web: Service = {
  name: 'web',
  key: { vip: '192.0.2.10', port: 80, protocol: 'tcp' },
  scheduler: 'wrr',
  destinations: ['a', 'b', 'c'].map((name, i) => ({
    name,
    address: `198.51.100.${i + 1}`,
    port: 80,
    weight: i === 2 ? 2 : 1,
  })),
  probe: { kind: 'tcp' },
  health: DEFAULT_HEALTH,
  whenEmpty: 'reject',
  downAction: 'remove',
  persistence: 0,
  quorum: 3,
  sorry: { name: 'sorry', address: '198.51.100.99', port: 8080, weight: 1 },
};

const up: DestinationStatus = { health: 'up', admin: 'enabled' };
const lookupOf =
  (live: string[], drained: string[] = []) =>
  (_s: string, d: string): DestinationStatus | undefined =>
    drained.includes(d)
      ? { health: 'up', admin: 'drained' }
      : live.includes(d)
        ? up
        : { health: 'down', admin: 'enabled' };
const shown = (service: Service, live: string[], drained: string[] = []) => {
  const s = plan([service], lookupOf(live, drained)).services[0]!;
  return {
    dests: s.destinations.map((d) => `${d.name}:${d.weight}`),
    status: s.quorumStatus,
  };
};

describe('quorum and sorry destination', () => {
  it('serves normally at or above the quorum (a total weight), the sorry server unused', () => {
    expect(shown(web, ['a', 'b', 'c'])).toEqual({
      dests: ['a:1', 'b:1', 'c:2'],
      status: { live: 4, required: 3, met: true },
    });
    expect(shown(web, ['a', 'c']).dests).toEqual(['a:1', 'c:2']);
  });

  it('below it: the live destinations keep weight 0, new flows go to the sorry server alone', () => {
    expect(shown(web, ['a', 'b'])).toEqual({
      dests: ['a:0', 'b:0', 'sorry:1'],
      status: { live: 2, required: 3, met: false },
    });
    // A drained destination is not live.
    expect(shown(web, ['a', 'c'], ['c']).dests).toEqual(['a:0', 'c:0', 'sorry:1']);
  });

  it('without a sorry server, below the quorum the service is empty (whenEmpty verdict)', () => {
    const { sorry: _, ...bare } = web;
    expect(shown(bare, ['a']).dests).toEqual(['a:0']);
    expect(shown(bare, []).dests).toEqual([]);
  });

  it('a sorry server without quorum serves only when nothing is live (keepalived quorum 1)', () => {
    const { quorum: _, ...sorryOnly } = web;
    expect(shown(sorryOnly, ['a']).dests).toEqual(['a:1']);
    expect(shown(sorryOnly, [])).toEqual({
      dests: ['sorry:1'],
      status: { live: 0, required: 1, met: false },
    });
  });

  it('services without either carry no quorum status', () => {
    const { quorum: _q, sorry: _s, ...plain } = web;
    expect(shown(plain, ['a']).status).toBeUndefined();
  });

  it('reports the transitions between two applied states', () => {
    const before = plan([web], lookupOf(['a', 'b', 'c']));
    const after = plan([web], lookupOf(['a']));
    expect(quorumTransitions(before, after)).toEqual([
      { service: 'web', met: false, live: 1, required: 3 },
    ]);
    expect(quorumTransitions(after, before)).toEqual([
      { service: 'web', met: true, live: 4, required: 3 },
    ]);
    expect(quorumTransitions(undefined, after)).toEqual([]);
    expect(quorumTransitions(after, after)).toEqual([]);
  });
});

describe('quorum and sorry in the config', () => {
  const yaml = (extra: string) =>
    `services:\n  - name: web\n    vip: 192.0.2.10\n    port: 80\n    destinations:\n      - { name: a, address: 198.51.100.1 }\n${extra}`;

  it('reads them with defaults (name sorry, the service port) and round-trips', () => {
    const services = parseConfig(
      yaml('    quorum: 2\n    sorry: { address: 198.51.100.99 }\n'),
    )._unsafeUnwrap();
    expect(services[0]!.quorum).toBe(2);
    expect(services[0]!.sorry).toEqual({
      name: 'sorry',
      address: '198.51.100.99',
      port: 80,
      weight: 1,
    });
  });

  it('reports bad values with file:line', () => {
    const messages = (extra: string) =>
      parseConfig(yaml(extra), { file: 'lb.yaml' })._unsafeUnwrapErr().map(formatConfigIssue);
    expect(messages('    quorum: 0\n')).toEqual([
      expect.stringMatching(/^lb\.yaml:7: .*quorum.*1\.\.16777215, got 0/),
    ]);
    expect(messages('    sorry: { address: "2001:db8::9" }\n')).toEqual([
      expect.stringMatching(/^lb\.yaml:7: .*sorry.*address.*VIP's family/),
    ]);
    expect(messages('    sorry: { name: a, address: 198.51.100.9 }\n')).toEqual([
      expect.stringMatching(/^lb\.yaml:7: .*sorry.*name.*already used by a destination/),
    ]);
    expect(messages('    sorry:\n      address: 198.51.100.1\n')).toEqual([
      expect.stringMatching(/^lb\.yaml:8: .*sorry.*address.*is a destination of this service/),
    ]);
    expect(messages('    sorry: { address: "198.51.100.9; flush ruleset" }\n')).toEqual([
      expect.stringMatching(/^lb\.yaml:7: .*not an IPv4 or IPv6 address/),
    ]);
    expect(messages('    sorry: { address: 198.51.100.9, weight: 5 }\n')).toHaveLength(1);
  });

  it('validateServices keeps them through a runtime round trip', () => {
    const checked = validateServices([
      {
        name: 'web',
        vip: '192.0.2.10',
        port: 80,
        destinations: [{ name: 'a', address: '198.51.100.1' }],
        quorum: 1,
        sorry: { name: 'backup', address: '198.51.100.99', port: 81 },
      },
    ])._unsafeUnwrap();
    expect(checked[0]!.sorry).toMatchObject({ name: 'backup', port: 81 });
  });
});
