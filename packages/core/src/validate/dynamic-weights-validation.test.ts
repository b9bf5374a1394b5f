import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/json-config.js';
import { formatConfigIssue } from './issue.js';

const messages = (text: string, file = 'lb.yaml'): string[] =>
  parseConfig(text, { file })._unsafeUnwrapErr().map(formatConfigIssue);

const service = (extra: string) => `services:
  - name: web
    vip: 192.0.2.10
    port: 80
${extra}
    destinations:
      - { name: a, address: 198.51.100.1 }
`;

describe('slowStart, agent and exec probes in YAML/JSON config', () => {
  it('reads slowStart and the new probe kinds; they default the scheduler to wrr', () => {
    const [web] = parseConfig(service('    slowStart: 10000'))._unsafeUnwrap();
    expect(web?.slowStart).toBe(10_000);
    expect(web?.scheduler).toBe('wrr');
    const [agent] = parseConfig(
      service('    probe: { kind: agent, port: 7000, send: "web\\n" }'),
    )._unsafeUnwrap();
    expect(agent?.probe).toEqual({ kind: 'agent', port: 7000, send: 'web\n' });
    expect(agent?.scheduler).toBe('wrr');
    const [exec] = parseConfig(
      service('    probe: { kind: exec, argv: [/usr/bin/test, -e, /run/ok], dynamic: true }'),
    )._unsafeUnwrap();
    expect(exec?.probe).toEqual({
      kind: 'exec',
      argv: ['/usr/bin/test', '-e', '/run/ok'],
      dynamic: true,
    });
    const [plain] = parseConfig(service('    slowStart: 0'))._unsafeUnwrap();
    expect(plain?.slowStart).toBeUndefined();
    expect(plain?.scheduler).toBe('rr');
  });

  it('refuses slowStart with rr and lc, with file:line', () => {
    expect(messages(service('    scheduler: rr\n    slowStart: 5000'))).toEqual([
      'lb.yaml:6: slowStart: needs a weighted scheduler (wrr, wlc, random, sh, mh): "rr" ignores weights, so nothing would ramp (service "web")',
    ]);
    expect(messages(service('    scheduler: lc\n    slowStart: 5000'))).toHaveLength(1);
    expect(messages(service('    slowStart: -1'))[0]).toMatch(/^lb\.yaml:5: slowStart: must be/);
    expect(messages(service('    slowStart: 86400001'))[0]).toMatch(/^lb\.yaml:5: slowStart:/);
  });

  it('refuses bad agent and exec probes, with file:line', () => {
    expect(messages(service('    probe: { kind: agent, port: 0 }'))[0]).toMatch(
      /^lb\.yaml:5: probe\.port: must be an integer 1\.\.65535/,
    );
    expect(messages(service('    probe: { kind: exec, argv: [check.sh] }'))).toEqual([
      'lb.yaml:5: probe.argv: program "check.sh" must be an absolute path (no shell, no PATH search) (service "web")',
    ]);
    expect(messages(service('    probe: { kind: exec, argv: [] }'))[0]).toMatch(
      /probe\.argv: must name a program/,
    );
    expect(messages(service('    probe: { kind: exec, argv: ["/bin/x", "a\\0b"] }'))[0]).toMatch(
      /probe\.argv\[1\]: .* contains a NUL character/,
    );
    expect(messages(service('    probe: { kind: exec, argv: "/bin/true" }'))[0]).toMatch(
      /probe\.argv: must be a list of texts/,
    );
    expect(messages(service('    probe: { kind: agent, shell: "x" }'))[0]).toMatch(
      /probe\.shell: unknown field/,
    );
  });

  it('JSON: same checks, same lines', () => {
    const json = `{"services": [{"name": "web", "vip": "192.0.2.10", "port": 80,
  "scheduler": "rr",
  "slowStart": 100,
  "destinations": []}]}`;
    expect(messages(json, 'lb.json')[0]).toMatch(/^lb\.json:3: slowStart: needs a weighted/);
  });
});
