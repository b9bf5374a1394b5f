/**
 * The design card's third use, as a user of the published packages writes it:
 * unit-test the balancing rules offline (no root, no kernel) by rendering the
 * nft script and tracing synthetic packets through it. scripts/packages.test.ts
 * runs this very file in a project that installed the packages' tarballs; the
 * repository's own test run runs it against the sources.
 */
import { renderRuleset, type TracePacket, trace } from '@lbkit/backend-nftables';
import { formatConfigIssue, parseRulesFile, plan } from '@lbkit/core';
import { describe, expect, it } from 'vitest';

const rules = `
# svc|vip|port|node|ip[|weight]
web|192.0.2.10|80|web1|198.51.100.11
web|192.0.2.10|80|web2|198.51.100.12|2
`;
const services = parseRulesFile(rules, { file: 'inline', defaults: { scheduler: 'wrr' } });

/** Where a new flow to `dport` on the VIP can go when the named destinations are down. */
function whereTo(down: readonly string[], dport = 80): string[] | string {
  const desired = plan(services._unsafeUnwrap(), (_service, destination) => ({
    health: down.includes(destination) ? 'down' : 'up',
    admin: 'enabled',
  }));
  const script = renderRuleset(desired)._unsafeUnwrap();
  const packet: TracePacket = {
    family: 4,
    saddr: '203.0.113.7',
    daddr: '192.0.2.10',
    protocol: 'tcp',
    dport,
  };
  const result = trace(script, packet)._unsafeUnwrap();
  return result.verdict === 'dnat' ? [...result.destinations].sort() : result.verdict;
}

describe('balancing rules, offline', () => {
  it('parses the rules file', () => {
    expect(services.isOk()).toBe(true);
  });

  it('spreads a flow over every healthy destination', () => {
    expect(whereTo([])).toEqual(['198.51.100.11:80', '198.51.100.12:80']);
  });

  it('takes a dead destination out', () => {
    expect(whereTo(['web2'])).toEqual(['198.51.100.11:80']);
  });

  it('rejects when every destination is down, never falls through', () => {
    expect(whereTo(['web1', 'web2'])).toBe('reject');
  });

  it('leaves other ports alone', () => {
    expect(whereTo([], 443)).toBe('accept');
  });

  it('refuses a hostile name with its line, before anything is rendered', () => {
    const bad = parseRulesFile('web|192.0.2.10|80|web1;flush ruleset|198.51.100.11\n', {
      file: 'bad',
    });
    expect(bad.isErr()).toBe(true);
    expect(bad._unsafeUnwrapErr().map(formatConfigIssue).join('\n')).toMatch(/^bad:1: /);
  });
});
