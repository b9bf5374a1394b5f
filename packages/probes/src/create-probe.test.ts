import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProbe } from './create-probe.js';
import {
  DNSMASQ,
  LOOPBACK,
  type Peer,
  skipWithout,
  startDnsmasq,
  startTcpListener,
} from './test-support/peers.js';

const opts = { timeoutMs: 1000 };

describe('createProbe', () => {
  it('builds each kind with a description', () => {
    expect(createProbe({ kind: 'tcp' }, { protocol: 'tcp' }).description).toBe('tcp connect');
    expect(createProbe({ kind: 'dns', name: 'a.test' }, { protocol: 'udp' }).description).toBe(
      'dns TXT a.test/udp',
    );
    expect(createProbe({ kind: 'dns', name: 'a.test' }, { protocol: 'tcp' }).description).toBe(
      'dns TXT a.test/tcp',
    );
    expect(
      createProbe({ kind: 'dns', name: 'a.test', type: 'A', transport: 'tcp' }, { protocol: 'udp' })
        .description,
    ).toBe('dns A a.test/tcp');
    expect(
      createProbe({ kind: 'http', path: '/health', host: 'h.test' }, { protocol: 'tcp' })
        .description,
    ).toBe('http GET http://h.test/health');
    expect(createProbe({ kind: 'none' }, { protocol: 'tcp' }).description).toBe('none');
  });

  it('none always succeeds, even for an address nobody has', async () => {
    const result = await createProbe({ kind: 'none' }, { protocol: 'udp' }).check(
      { address: '192.0.2.1', port: 1 },
      opts,
    );
    expect(result.isOk()).toBe(true);
  });

  it('never throws on a bad spec: checks fail as internal', async () => {
    const bad = [
      createProbe({ kind: 'dns', name: 'a.test', expect: '/(/' }, { protocol: 'udp' }),
      createProbe({ kind: 'http', header: { name: 'x', matches: '/[/' } }, { protocol: 'tcp' }),
      createProbe({ kind: 'weird' } as never, { protocol: 'tcp' }),
    ];
    for (const probe of bad) {
      const result = await probe.check({ address: LOOPBACK, port: 9 }, opts);
      expect(result._unsafeUnwrapErr().kind, probe.description).toBe('internal');
    }
  });

  it('tcp spec with a banner expectation', async () => {
    const smtp = await startTcpListener('220 mx-1 ready\r\n');
    try {
      const probe = createProbe({ kind: 'tcp', expect: '220' }, { protocol: 'tcp' });
      const result = await probe.check({ address: LOOPBACK, port: smtp.port }, opts);
      expect(result._unsafeUnwrap().identity).toBe('220 mx-1 ready');
    } finally {
      await smtp.close();
    }
  });
});

describe.skipIf(skipWithout(DNSMASQ, 'createProbe dns tests need dnsmasq'))(
  'createProbe dns against dnsmasq',
  () => {
    let ns: Peer;
    beforeAll(async () => {
      ns = await startDnsmasq({ txt: { 'health.load.balance': '=nameserver-1=' } });
    });
    afterAll(async () => ns?.stop());

    it('uses the service protocol as transport and /regex/ expectations', async () => {
      for (const protocol of ['udp', 'tcp'] as const) {
        const probe = createProbe(
          { kind: 'dns', name: 'health.load.balance', expect: '/^=nameserver-\\d+=$/' },
          { protocol },
        );
        const result = await probe.check({ address: LOOPBACK, port: ns.port }, opts);
        expect(result._unsafeUnwrap().identity, protocol).toBe('=nameserver-1=');
      }
      const exact = createProbe(
        { kind: 'dns', name: 'health.load.balance', expect: '=nameserver-2=' },
        { protocol: 'udp' },
      );
      expect(
        (await exact.check({ address: LOOPBACK, port: ns.port }, opts))._unsafeUnwrapErr().kind,
      ).toBe('mismatch');
    });
  },
);
