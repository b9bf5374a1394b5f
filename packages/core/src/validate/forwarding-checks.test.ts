import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/json-config.js';
import { formatConfigIssue } from './issue.js';

const yaml = `services:
  - name: dns
    vip: 192.0.2.53
    port: 53
    protocol: udp
    forward: route
    destinations:
      - { name: ns1, address: 198.51.100.11 }
  - name: web
    vip: 192.0.2.80
    port: 80
    destinations:
      - { name: w1, address: 198.51.100.21 }
`;

describe('forward in the structured config', () => {
  it('is kept in the model (nat by default: absent)', () => {
    const [dns, web] = parseConfig(yaml, { file: 'c.yaml' })._unsafeUnwrap();
    expect(dns!.forward).toBe('route');
    expect(web!.forward).toBeUndefined();
  });

  it('a NAT-only backend refuses route with file:line at the forward field', () => {
    const issues = parseConfig(yaml, {
      file: 'c.yaml',
      forwarding: { methods: ['nat'], backend: 'nftables' },
    })._unsafeUnwrapErr();
    expect(issues.map(formatConfigIssue)).toEqual([
      'c.yaml:6: forward: route is not supported by the nftables backend (it does nat); forward route and tunnel need IPVS',
    ]);
  });

  it('a backend that routes accepts it', () => {
    const options = {
      forwarding: { methods: ['nat', 'route', 'tunnel'] as const, backend: 'ipvs' },
    };
    expect(parseConfig(yaml, options).isOk()).toBe(true);
  });

  it('route keeps the port: a destination on another port is refused at its line', () => {
    const text = yaml.replace(
      '{ name: ns1, address: 198.51.100.11 }',
      '{ name: ns1, address: 198.51.100.11, port: 5353 }',
    );
    const issues = parseConfig(text, { file: 'c.yaml' })._unsafeUnwrapErr();
    expect(issues.map(formatConfigIssue)).toEqual([
      'c.yaml:8: port: must be the service port 53 with forward route (only nat translates ports)',
    ]);
  });
});
