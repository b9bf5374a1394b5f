import { formatConfigIssue } from '@lbkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseHaConfig } from './config-file.js';
import { renderConntrackdConf } from './render-conntrackd.js';
import { renderKeepalivedConf } from './render-keepalived.js';
import { validateHaOptions } from './validate.js';

const good = {
  priority: 150,
  service: { interface: 'eth0', virtualRouterId: 51, vips: ['203.0.113.10/24'] },
};

const messages = (input: unknown): string[] =>
  validateHaOptions(input)
    ._unsafeUnwrapErr()
    .map((i) => `${i.path} ${i.message}`);

describe('validateHaOptions', () => {
  it('applies the documented defaults', () => {
    const config = validateHaOptions(good)._unsafeUnwrap();
    expect(config).toMatchObject({
      name: 'lbkit',
      version: 3,
      advertIntervalMs: 100,
      preempt: true,
      preemptDelayMs: 0,
      trackWeight: 0,
      emptyServices: false,
      processName: 'lbkit',
      mode: 'supervise',
      binary: '/usr/sbin/keepalived',
      restartDelayMs: 200,
      files: { fifo: '/run/lbkit/ha/notify.fifo', trackFile: '/run/lbkit/ha/health' },
    });
    expect(config.syncGroup).toBeUndefined();
    expect(config.service).toMatchObject({
      instance: 'lbkit_vip',
      family: 4,
      vips: [{ address: '203.0.113.10', prefix: 24, interface: 'eth0' }],
    });
  });

  it('canonicalizes addresses and gives a sync group only with an inner side', () => {
    const config = validateHaOptions({
      ...good,
      service: { ...good.service, vips: ['2001:DB8::0010'] },
      inner: { interface: 'eth1', virtualRouterId: 52, vips: ['198.51.100.1/24'] },
    })._unsafeUnwrap();
    expect(config.service.vips[0]).toMatchObject({ address: '2001:db8::10', prefix: 128 });
    expect(config.syncGroup).toBe('lbkit');
    expect(config.inner?.instance).toBe('lbkit_inner');
  });

  it.each([
    [{ ...good, priority: 255 }, /priority must be an integer 1\.\.254, got 255/],
    [{ ...good, priority: '150' }, /priority must be an integer 1\.\.254, got "150"/],
    [
      { ...good, service: { ...good.service, virtualRouterId: 0 } },
      /service\.virtualRouterId must be an integer 1\.\.255/,
    ],
    [
      { ...good, service: { ...good.service, interface: 'eth0 {' } },
      /service\.interface must be an interface name/,
    ],
    [
      { ...good, service: { ...good.service, vips: [] } },
      /service\.vips must be a list of 1\.\.64 items/,
    ],
    [
      { ...good, service: { ...good.service, vips: ['203.0.113.300'] } },
      /service\.vips\[0\] must be an address/,
    ],
    [
      { ...good, service: { ...good.service, vips: ['203.0.113.10/33'] } },
      /service\.vips\[0\] has a prefix out of 1\.\.32/,
    ],
    [
      { ...good, service: { ...good.service, vips: ['203.0.113.10', '203.0.113.10/32'] } },
      /service\.vips\[1\] repeats 203\.0\.113\.10/,
    ],
    [
      { ...good, service: { ...good.service, unicastPeers: ['2001:db8::4'] } },
      /unicastPeers\[0\] must be IPv4 like the first VIP/,
    ],
    [
      { ...good, service: { ...good.service, unicastSource: '203.0.113.3' } },
      /unicastSource needs unicastPeers/,
    ],
    [{ ...good, advertInterval: 105 }, /advertInterval must be a multiple of 10 ms/],
    [{ ...good, advertInterval: 5 }, /advertInterval must be an integer 10\.\.40950/],
    [
      { ...good, version: 2, advertInterval: 1500 },
      /advertInterval must be whole seconds with VRRPv2/,
    ],
    [{ ...good, authentication: { type: 'PASS', password: 'x' } }, /authentication is VRRPv2 only/],
    [
      { ...good, version: 2, authentication: { type: 'PASS', password: 'a b' } },
      /authentication\.password must be 1\.\.8 characters/,
    ],
    [
      { ...good, version: 2, authentication: { type: 'AH', password: 'abc' } },
      /authentication\.type must be one of PASS/,
    ],
    [{ ...good, preempt: false, preemptDelay: 1000 }, /preemptDelay needs preempt: true/],
    [{ ...good, track: { weight: 120 } }, /track\.weight plus priority 150 must be <= 254/],
    [
      { ...good, track: { processName: 'a-much-too-long-name' } },
      /track\.processName must be a process name/,
    ],
    [
      { ...good, track: { emptyServices: ['dns', '1bad'] } },
      /track\.emptyServices\[1\] must be a name/,
    ],
    [
      { ...good, keepalived: { runDir: '/run/../etc' } },
      /keepalived\.runDir must be an absolute path/,
    ],
    [
      { ...good, keepalived: { binary: 'keepalived' } },
      /keepalived\.binary must be an absolute path/,
    ],
    [
      { ...good, keepalived: { mode: 'fork' } },
      /keepalived\.mode must be one of supervise, attach/,
    ],
    [
      { ...good, keepalived: { netns: 'a/b' } },
      /keepalived\.netns must be a network namespace name/,
    ],
    [
      { ...good, trackInterfaces: ['eth0'] },
      /trackInterfaces\[0\] is already tracked: it is the service side's interface/,
    ],
    [{ ...good, bogus: 1 }, /bogus is an unknown field/],
    [{ ...good, service: { ...good.service, vip: 'x' } }, /service\.vip is an unknown field/],
    [{ priority: 100 }, /service is missing/],
    [
      { ...good, inner: { interface: 'eth0', virtualRouterId: 51, vips: ['203.0.113.10'] } },
      /inner\.virtualRouterId repeats service\.virtualRouterId[\s\S]*inner\.vips\[0\] repeats service VIP/,
    ],
    [
      {
        ...good,
        version: 2,
        service: { ...good.service, vips: ['2001:db8::10'] },
        advertInterval: 1000,
      },
      /service\.vips\[0\] is IPv6: VRRPv2 adverts are IPv4 only/,
    ],
  ])('refuses %j', (input, pattern) => {
    expect(messages(input).join('\n')).toMatch(pattern);
  });

  it('reports every problem at once', () => {
    expect(
      messages({ priority: 0, service: { interface: '', virtualRouterId: 999, vips: 'x' } }),
    ).toHaveLength(4);
  });

  it('never throws, and whatever it accepts renders only safe tokens', () => {
    // Mostly valid values, sometimes hostile ones: many inputs pass, the rest must be refused.
    const hostile = fc.oneof(
      fc.string(),
      fc.constantFrom('"; }', '$X', 'eth0\n}', 'a b', '', '../x', 300, -1, true, null),
    );
    const mostly = <T>(...valid: T[]) =>
      fc.oneof(
        { arbitrary: fc.constantFrom(...valid), weight: 40 },
        { arbitrary: hostile, weight: 1 },
      );
    const side = (ifname: string, vrid: number, vip: string) =>
      fc.record(
        {
          interface: mostly(ifname, `${ifname}.5`, 'bond0'),
          virtualRouterId: mostly(vrid, 255),
          vips: fc.array(mostly(vip, `${vip}/24`, '2001:db8::1', '2001:db8::2/64'), {
            minLength: 1,
            maxLength: 3,
          }),
          unicastPeers: fc.array(mostly('203.0.113.4', '198.51.100.3'), { maxLength: 2 }),
        },
        { requiredKeys: ['interface', 'virtualRouterId', 'vips'] },
      );
    const input = fc.record(
      {
        name: mostly('lbkit', 'dns_1'),
        routerId: mostly('lb1', 'lb-2'),
        priority: mostly(1, 100, 150, 200),
        version: mostly(3, 2),
        advertInterval: mostly(1000, 2000),
        preempt: mostly(true, false),
        service: side('eth0', 51, '203.0.113.10'),
        inner: side('eth1', 52, '198.51.100.1'),
        track: fc.record(
          { weight: mostly(0, 10), processName: mostly('lbkit', 'nft-lb') },
          { requiredKeys: [] },
        ),
        keepalived: fc.record(
          { runDir: mostly('/run/lbkit/ha', '/var/lib/x-1'), netns: mostly('ns1', 'lbkh1-b1') },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: ['priority', 'service'] },
    );
    let accepted = 0;
    fc.assert(
      fc.property(input, (raw) => {
        const result = validateHaOptions(raw);
        if (result.isErr()) return;
        accepted++;
        const conf = renderKeepalivedConf(result.value);
        // Nothing but the renderer's own punctuation and validated tokens.
        expect(conf).toMatch(/^[A-Za-z0-9 _.:/\-{}"#(),@\n]*$/);
        for (const line of conf.split('\n')) expect(line).not.toMatch(/[{}].*[{}]/);
      }),
      { numRuns: 1000 },
    );
    expect(accepted).toBeGreaterThan(50);
  });

  it('conntrackd.guardUdp: false by default, a boolean or an issue', () => {
    const base = {
      priority: 150,
      service: { interface: 'eth0', virtualRouterId: 51, vips: ['203.0.113.10'] },
    };
    const sync = { interface: 'eth2', address: '192.0.2.1', peer: '192.0.2.2' };
    const config = (extra: object) =>
      validateHaOptions({ ...base, conntrackd: { ...sync, ...extra } });
    expect(config({})._unsafeUnwrap().conntrackd?.guardUdp).toBe(false);
    expect(config({ guardUdp: true })._unsafeUnwrap().conntrackd?.guardUdp).toBe(true);
    const issues = config({ guardUdp: 'yes' })._unsafeUnwrapErr();
    expect(JSON.stringify(issues)).toMatch(/guardUdp.*must be true or false, got \\"yes\\"/);
  });

  it('the conntrackd section: never throws; whatever it accepts renders only safe tokens', () => {
    const hostile = fc.oneof(
      fc.string(),
      fc.constantFrom('"; }', 'eth2\n}', 'a b', '', '192.0.2.1 }', 70000, -1, true, null),
    );
    const mostly = <T>(...valid: T[]) =>
      fc.oneof(
        { arbitrary: fc.constantFrom(...valid), weight: 20 },
        { arbitrary: hostile, weight: 1 },
      );
    const conntrackd = fc.record(
      {
        interface: mostly('eth2', 'sync0'),
        address: mostly('192.0.2.1', '192.0.2.3'),
        peer: mostly('192.0.2.2'),
        port: mostly(3780, 3781),
        flows: fc.array(mostly('198.51.100.0/24', '198.51.100.11', '2001:db8::/64'), {
          minLength: 1,
          maxLength: 3,
        }),
        guardTable: mostly('lbkit_guard', 'g-1'),
        guardUdp: mostly(true, false),
        mode: mostly('supervise', 'attach'),
      },
      { requiredKeys: ['interface', 'address', 'peer'] },
    );
    const base = {
      priority: 150,
      service: { interface: 'eth0', virtualRouterId: 51, vips: ['203.0.113.10'] },
    };
    let accepted = 0;
    fc.assert(
      fc.property(conntrackd, (c) => {
        const result = validateHaOptions({ ...base, conntrackd: c });
        if (result.isErr()) return;
        accepted++;
        const text = renderConntrackdConf(result.value, result.value.conntrackd!);
        expect(text).toMatch(/^[A-Za-z0-9 _.:/\-{}"#@,\n]*$/);
        // A brace only at the end of a line (a block opens) or alone (it closes).
        for (const line of text.split('\n').slice(1)) expect(line).toMatch(/^[^{}]*[{}]?$/);
      }),
      { numRuns: 500 },
    );
    expect(accepted).toBeGreaterThan(50);
  });
});

describe('parseHaConfig', () => {
  it('reads YAML and puts file:line on every issue', () => {
    const yaml = [
      'priority: 150',
      'service:',
      '  interface: eth0',
      '  virtualRouterId: 300',
      '  vips: [203.0.113.10/24]',
      'track:',
      '  weight: -1',
    ].join('\n');
    const issues = parseHaConfig(yaml, { file: 'ha.yaml' })
      ._unsafeUnwrapErr()
      .map(formatConfigIssue);
    expect(issues).toEqual([
      'ha.yaml:4: service.virtualRouterId: must be an integer 1..255, got 300',
      'ha.yaml:7: track.weight: must be an integer 0..253, got -1',
    ]);
  });

  it('reports syntax errors and empty files with their place', () => {
    expect(
      formatConfigIssue(parseHaConfig('priority: [', { file: 'a.yaml' })._unsafeUnwrapErr()[0]!),
    ).toMatch(/^a\.yaml:\d+: /);
    expect(parseHaConfig('', { file: 'a.yaml' })._unsafeUnwrapErr()[0]!.message).toMatch(/empty/);
  });

  it('accepts JSON', () => {
    expect(parseHaConfig(JSON.stringify(good)).isOk()).toBe(true);
  });
});
