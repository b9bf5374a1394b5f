import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dnsProbe } from './dns-probe.js';
import {
  DNSMASQ,
  LOOPBACK,
  type Peer,
  refusedPort,
  skipWithout,
  startDnsmasq,
  startTxtServer,
  startUdpBlackhole,
} from './test-support/peers.js';

const NAME = 'health.load.balance';
const opts = { timeoutMs: 1000 };

describe.skipIf(skipWithout(DNSMASQ, 'dns probe tests need dnsmasq'))(
  'dnsProbe against dnsmasq',
  () => {
    let ns1: Peer;
    let ns2: Peer;
    let blackhole: Awaited<ReturnType<typeof startUdpBlackhole>>;
    let stoppedPort: number;
    beforeAll(async () => {
      ns1 = await startDnsmasq({
        txt: { [NAME]: '=nameserver-1=', 'txt.only.test': 'x' },
        nxdomain: ['nx.test'],
        a: { 'host.test': '192.0.2.7' },
      });
      ns2 = await startDnsmasq({
        txt: { [NAME]: '=nameserver-2=', 'only.nx.test': 'y' },
        nxdomain: ['nx.test'],
      });
      blackhole = await startUdpBlackhole();
      const stopped = await startDnsmasq({ txt: { [NAME]: '=gone=' } });
      stoppedPort = stopped.port;
      await stopped.stop();
    });
    afterAll(async () => {
      await ns1?.stop();
      await ns2?.stop();
      await blackhole?.close();
    });

    for (const transport of ['udp', 'tcp'] as const) {
      describe(`over ${transport}`, () => {
        it('reports which server answered', async () => {
          const probe = dnsProbe({ name: NAME, transport });
          const one = await probe.check({ address: LOOPBACK, port: ns1.port }, opts);
          const two = await probe.check({ address: LOOPBACK, port: ns2.port }, opts);
          expect(one._unsafeUnwrap().identity).toBe('=nameserver-1=');
          expect(two._unsafeUnwrap().identity).toBe('=nameserver-2=');
          expect(probe.description).toBe(`dns TXT ${NAME}/${transport}`);
        });

        it('matches expect as exact string or /regex/', async () => {
          const target = { address: LOOPBACK, port: ns2.port };
          expect(
            (
              await dnsProbe({ name: NAME, transport, expect: '=nameserver-2=' }).check(
                target,
                opts,
              )
            ).isOk(),
          ).toBe(true);
          expect(
            (
              await dnsProbe({ name: NAME, transport, expect: /^=nameserver-\d=$/ }).check(
                target,
                opts,
              )
            ).isOk(),
          ).toBe(true);
          const wrong = await dnsProbe({
            name: NAME,
            transport,
            expect: '=nameserver-1=',
          }).check(target, opts);
          expect(wrong._unsafeUnwrapErr()).toMatchObject({
            kind: 'mismatch',
            message: expect.stringContaining('=nameserver-2='),
          });
        });

        it('passes NODATA without expect (like keepalived) and fails it with expect', async () => {
          const target = { address: LOOPBACK, port: ns2.port };
          const plain = await dnsProbe({ name: 'only.nx.test', type: 'A', transport }).check(
            target,
            opts,
          );
          expect(plain._unsafeUnwrap().identity).toBeUndefined();
          const strict = await dnsProbe({
            name: 'only.nx.test',
            type: 'A',
            transport,
            expect: /./,
          }).check(target, opts);
          expect(strict._unsafeUnwrapErr()).toMatchObject({
            kind: 'mismatch',
            message: expect.stringContaining('NODATA'),
          });
        });

        it('fails REFUSED and NXDOMAIN as mismatch naming the rcode', async () => {
          const target = { address: LOOPBACK, port: ns1.port };
          const refused = await dnsProbe({ name: 'elsewhere.example', transport }).check(
            target,
            opts,
          );
          expect(refused._unsafeUnwrapErr()).toMatchObject({
            kind: 'mismatch',
            message: expect.stringContaining('REFUSED'),
          });
          const nx = await dnsProbe({ name: 'missing.nx.test', transport }).check(target, opts);
          expect(nx._unsafeUnwrapErr()).toMatchObject({
            kind: 'mismatch',
            message: expect.stringContaining('NXDOMAIN'),
          });
        });

        it('asks A records and reports the address', async () => {
          const a = await dnsProbe({
            name: 'host.test',
            type: 'A',
            transport,
            expect: '192.0.2.7',
          }).check({ address: LOOPBACK, port: ns1.port }, opts);
          expect(a._unsafeUnwrap().identity).toBe('192.0.2.7');
        });

        it('reports a stopped server as refused, fast', async () => {
          const result = await dnsProbe({ name: NAME, transport }).check(
            { address: LOOPBACK, port: stoppedPort },
            opts,
          );
          const error = result._unsafeUnwrapErr();
          expect(error.kind).toBe('refused');
          expect(error.latencyMs).toBeLessThan(500);
        });

        it('honours abort', async () => {
          const ac = new AbortController();
          const port = transport === 'udp' ? blackhole.port : ns1.port;
          const pending = dnsProbe({ name: NAME, transport }).check(
            { address: LOOPBACK, port },
            { timeoutMs: 5000, signal: ac.signal },
          );
          ac.abort();
          expect((await pending)._unsafeUnwrapErr().kind).toBe('aborted');
        });
      });
    }

    it('times out on a UDP server that never answers, at the deadline', async () => {
      const result = await dnsProbe({ name: NAME }).check(
        { address: LOOPBACK, port: blackhole.port },
        { timeoutMs: 200 },
      );
      const error = result._unsafeUnwrapErr();
      expect(error.kind).toBe('timeout');
      expect(error.latencyMs).toBeGreaterThanOrEqual(190);
      expect(error.latencyMs).toBeLessThan(1000);
    });

    it('reports refused over TCP to a port with no listener', async () => {
      const port = await refusedPort();
      const result = await dnsProbe({ name: NAME, transport: 'tcp' }).check(
        { address: LOOPBACK, port },
        opts,
      );
      expect(result._unsafeUnwrapErr().kind).toBe('refused');
    });

    it('runs many concurrent checks against both servers', async () => {
      const probe = dnsProbe({ name: NAME, expect: /^=nameserver-[12]=$/ });
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          probe.check(
            { address: LOOPBACK, port: i % 2 ? ns1.port : ns2.port },
            { timeoutMs: 2000 },
          ),
        ),
      );
      const identities = results.map((r) => r._unsafeUnwrap().identity);
      expect(identities.filter((id) => id === '=nameserver-1=')).toHaveLength(100);
      expect(identities.filter((id) => id === '=nameserver-2=')).toHaveLength(100);
    });

    it('turns invalid options into a probe that fails as internal', async () => {
      const bad = dnsProbe({ name: '' });
      expect(
        (await bad.check({ address: LOOPBACK, port: ns1.port }, opts))._unsafeUnwrapErr().kind,
      ).toBe('internal');
      const badType = dnsProbe({ name: NAME, type: 'MX' as 'TXT' });
      expect(
        (await badType.check({ address: LOOPBACK, port: ns1.port }, opts))._unsafeUnwrapErr().kind,
      ).toBe('internal');
    });
  },
);

describe('dnsProbe against a hostile name server', () => {
  const CONTROL = /[\u0000-\u001f\u007f]/;

  it('reports a TXT holding a newline, <0> and ESC escaped: it cannot forge a log line', async () => {
    const forged = await startTxtServer(['=ns1=\n<0>kernel: forged\u001b[2J\r']);
    try {
      for (const transport of ['udp', 'tcp'] as const) {
        const probe = dnsProbe({ name: NAME, transport });
        const result = await probe.check({ address: LOOPBACK, port: forged.port }, opts);
        expect(result._unsafeUnwrap().identity).toBe('=ns1=\\n<0>kernel: forged\\u001b[2J\\r');
        const strict = dnsProbe({ name: NAME, transport, expect: '=ns1=' });
        const error = (
          await strict.check({ address: LOOPBACK, port: forged.port }, opts)
        )._unsafeUnwrapErr();
        expect(error.kind).toBe('mismatch');
        expect(error.message).not.toMatch(CONTROL);
      }
    } finally {
      await forged.close();
    }
  });

  it('a 64 KB TXT gives a 256-character identity and a bounded message', async () => {
    const big = await startTxtServer(Array.from({ length: 250 }, () => 'x'.repeat(255)));
    try {
      const probe = dnsProbe({ name: NAME, transport: 'tcp' });
      const result = await probe.check({ address: LOOPBACK, port: big.port }, opts);
      expect(result._unsafeUnwrap().identity).toHaveLength(256);
      const strict = dnsProbe({ name: NAME, transport: 'tcp', expect: 'y' });
      const error = (
        await strict.check({ address: LOOPBACK, port: big.port }, opts)
      )._unsafeUnwrapErr();
      expect(error.message.length).toBeLessThanOrEqual(512);
    } finally {
      await big.close();
    }
  });
});
