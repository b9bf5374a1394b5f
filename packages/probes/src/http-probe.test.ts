import type { Socket } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpHeaderProbeOptions, httpHeaderProbe } from './http-probe.js';
import {
  hasBinary,
  LOOPBACK,
  NGINX,
  type NginxPeer,
  OPENSSL,
  refusedPort,
  skipWithout,
  startNginx,
  startTcpListener,
  startTrickleServer,
} from './test-support/peers.js';

const opts = { timeoutMs: 2000 };
const TLS_NAME = 'web.lbkit.test';

/**
 * Both clients run every test: undici with reused connections (the default) and
 * node:http with a new connection per check (`keepAlive: false`).
 */
const MODES = [
  { mode: 'reused connections (undici)', fresh: false },
  { mode: 'a new connection per check (node:http)', fresh: true },
] as const;

/** The probe under test in `fresh` mode unless the options say otherwise. */
const inMode =
  (fresh: boolean) =>
  (options: HttpHeaderProbeOptions = {}) =>
    httpHeaderProbe(fresh ? { keepAlive: false, ...options } : options);

describe.skipIf(skipWithout(NGINX, 'http probe tests need nginx')).each(MODES)(
  'httpHeaderProbe against nginx, $mode',
  ({ fresh }) => {
    let web1: NginxPeer;
    let web2: NginxPeer;
    const probes: { close(): Promise<void> }[] = [];
    const probe = (options?: HttpHeaderProbeOptions) => {
      const p = inMode(fresh)(options);
      probes.push(p);
      return p;
    };
    beforeAll(async () => {
      const tls = !skipWithout(OPENSSL, 'TLS tests need openssl');
      web1 = await startNginx('web-1', tls ? TLS_NAME : undefined);
      web2 = await startNginx('web-2');
    });
    afterAll(async () => {
      await Promise.all(probes.map((p) => p.close()));
      await web1?.stop();
      await web2?.stop();
    });
    const at = (peer: NginxPeer) => ({ address: LOOPBACK, port: peer.port });

    it('reports the X-Trace header of whoever answered', async () => {
      const p = probe({ header: { name: 'X-Trace', prefix: 'web-' } });
      expect((await p.check(at(web1), opts))._unsafeUnwrap().identity).toBe('web-1');
      expect((await p.check(at(web2), opts))._unsafeUnwrap().identity).toBe('web-2');
    });

    it('fails a header that does not match or is absent', async () => {
      const wrong = await probe({ header: { name: 'X-Trace', equals: 'web-2' } }).check(
        at(web1),
        opts,
      );
      expect(wrong._unsafeUnwrapErr()).toMatchObject({
        kind: 'mismatch',
        message: expect.stringContaining('web-1'),
      });
      const absent = await probe({ header: { name: 'X-Missing' } }).check(at(web1), opts);
      expect(absent._unsafeUnwrapErr()).toMatchObject({
        kind: 'mismatch',
        message: expect.stringContaining('absent'),
      });
      const re = await probe({ header: { name: 'x-trace', matches: '/^WEB-\\d$/i' } }).check(
        at(web2),
        opts,
      );
      expect(re._unsafeUnwrap().identity).toBe('web-2');
    });

    it('fails a 500 as mismatch; the header still comes with it (add_header always)', async () => {
      const result = await probe({ path: '/fail', header: { name: 'X-Trace' } }).check(
        at(web1),
        opts,
      );
      expect(result._unsafeUnwrapErr()).toMatchObject({
        kind: 'mismatch',
        message: expect.stringContaining('status 500'),
      });
      const accepted = await probe({ path: '/fail', status: [500, 599] }).check(at(web1), opts);
      expect(accepted.isOk()).toBe(true);
    });

    it('never follows a redirect: 301 is judged as a status', async () => {
      const ok = await probe({ path: '/moved' }).check(at(web1), opts);
      expect(ok.isOk()).toBe(true);
      const strict = await probe({ path: '/moved', status: [200, 299] }).check(at(web1), opts);
      expect(strict._unsafeUnwrapErr().message).toContain('status 301');
    });

    it('reads a large body only up to maxBodyBytes and stays usable', async () => {
      const p = probe({ path: '/big', maxBodyBytes: 1024, header: { name: 'x-trace' } });
      for (let i = 0; i < 5; i++) {
        expect((await p.check(at(web1), opts))._unsafeUnwrap().identity).toBe('web-1');
      }
      const whole = await probe({ path: '/big', maxBodyBytes: 2 << 20 }).check(at(web1), opts);
      expect(whole.isOk()).toBe(true);
    });

    it('supports HEAD and a Host header', async () => {
      const result = await probe({
        method: 'HEAD',
        host: 'www.example.test',
        header: { name: 'x-trace' },
      }).check(at(web2), opts);
      expect(result._unsafeUnwrap().identity).toBe('web-2');
    });

    // The pool's own behaviour: the fresh-connection client has no pool.
    if (!fresh) {
      it('reuses one keep-alive connection for serial checks, and none with keepAlive false', async () => {
        const conns = async (p: ReturnType<typeof probe>) => {
          const seen = new Set<string | undefined>();
          for (let i = 0; i < 20; i++)
            seen.add((await p.check(at(web2), opts))._unsafeUnwrap().identity);
          return seen.size;
        };
        // Serial checks may take a second connection while the first is being returned to the pool.
        expect(await conns(probe({ header: { name: 'x-conn' } }))).toBeLessThanOrEqual(2);
        expect(await conns(probe({ keepAlive: false, header: { name: 'x-conn' } }))).toBe(20);
      });

      it('close() ends the pooled connection; the next check opens a new one', async () => {
        const p = probe({ header: { name: 'x-conn' } });
        const first = (await p.check(at(web1), opts))._unsafeUnwrap().identity;
        await new Promise((r) => setTimeout(r, 5));
        expect((await p.check(at(web1), opts))._unsafeUnwrap().identity).toBe(first);
        await p.close();
        expect((await p.check(at(web1), opts))._unsafeUnwrap().identity).not.toBe(first);
      });
    }

    it('still works after close() (a new pool is made)', async () => {
      const p = probe({});
      expect((await p.check(at(web1), opts)).isOk()).toBe(true);
      await p.close();
      expect((await p.check(at(web1), opts)).isOk()).toBe(true);
    });

    it('reports refused for a port with no listener', async () => {
      const port = await refusedPort();
      const result = await probe({}).check({ address: LOOPBACK, port }, opts);
      expect(result._unsafeUnwrapErr().kind).toBe('refused');
    });

    it('honours abort mid-request', async () => {
      const slow = await startTrickleServer('body', 100);
      try {
        const ac = new AbortController();
        const pending = probe({}).check(
          { address: LOOPBACK, port: slow.port },
          { timeoutMs: 5000, signal: ac.signal },
        );
        setTimeout(() => ac.abort(), 50);
        expect((await pending)._unsafeUnwrapErr().kind).toBe('aborted');
      } finally {
        await slow.close();
      }
    });

    describe('whole-check deadline against a trickling server', () => {
      for (const mode of ['headers', 'body'] as const) {
        it(`times out while the ${mode} trickle in`, async () => {
          // 64 bytes at one per 20 ms take ~1.3 s: each byte resets a naive idle timer,
          // only a whole-check deadline stops it at 300 ms.
          const slow = await startTrickleServer(mode, 20);
          try {
            const result = await probe({}).check(
              { address: LOOPBACK, port: slow.port },
              { timeoutMs: 300 },
            );
            const error = result._unsafeUnwrapErr();
            expect(error.kind).toBe('timeout');
            expect(error.latencyMs).toBeGreaterThanOrEqual(290);
            expect(error.latencyMs).toBeLessThan(800);
            const patient = await probe({ header: { name: 'x-trace' } }).check(
              { address: LOOPBACK, port: slow.port },
              { timeoutMs: 5000 },
            );
            expect(patient._unsafeUnwrap().identity).toBe('slow');
          } finally {
            await slow.close();
          }
        });
      }
    });

    describe.skipIf(!hasBinary(OPENSSL))('TLS', () => {
      const tlsAt = () => ({ address: LOOPBACK, port: web1.tlsPort! });
      it('verifies with the given CA and server name', async () => {
        const p = probe({
          tls: true,
          ca: web1.certPem!,
          servername: TLS_NAME,
          header: { name: 'x-trace' },
        });
        expect((await p.check(tlsAt(), opts))._unsafeUnwrap().identity).toBe('web-1');
        const viaHost = probe({ tls: true, ca: web1.certPem!, host: TLS_NAME });
        expect((await viaHost.check(tlsAt(), opts)).isOk()).toBe(true);
      });

      it('fails an unknown CA or a wrong name as protocol, passes with insecure', async () => {
        const unknown = await probe({ tls: true, servername: TLS_NAME }).check(tlsAt(), opts);
        expect(unknown._unsafeUnwrapErr().kind).toBe('protocol');
        const wrongName = await probe({
          tls: true,
          ca: web1.certPem!,
          servername: 'other.lbkit.test',
        }).check(tlsAt(), opts);
        expect(wrongName._unsafeUnwrapErr().kind).toBe('protocol');
        const insecure = await probe({ tls: true, insecure: true }).check(tlsAt(), opts);
        expect(insecure.isOk()).toBe(true);
      });

      it('fails plain HTTP spoken to the TLS port', async () => {
        const result = await probe({}).check(tlsAt(), opts);
        expect(result._unsafeUnwrapErr().kind).toBe('mismatch'); // nginx answers 400 to plain HTTP on TLS
      });
    });

    it('turns invalid options into a probe that fails as internal', async () => {
      for (const bad of [
        { path: 'no-slash' },
        { status: [400, 200] as const },
        { header: { name: 'x', matches: '(' } },
      ]) {
        const result = await probe(bad).check(at(web1), opts);
        expect(result._unsafeUnwrapErr().kind).toBe('internal');
      }
    });
  },
);

describe.each(MODES)(
  'httpHeaderProbe against hostile peers, $mode: the deadline holds, the event loop stays free',
  ({ fresh }) => {
    /** A peer that answers every request with `response` (written at once). */
    const peer = (response: string) =>
      startTcpListener(undefined, (socket: Socket) => {
        socket.once('data', () => socket.write(response));
      });

    const probeWithin = async (response: string, timeoutMs: number) => {
      const server = await peer(response);
      const lag = monitorEventLoopDelay({ resolution: 5 });
      const probe = inMode(fresh)({ header: { name: 'x-trace' } });
      try {
        lag.enable();
        const started = performance.now();
        const result = await probe.check({ address: LOOPBACK, port: server.port }, { timeoutMs });
        const tookMs = performance.now() - started;
        lag.disable();
        return { result, tookMs, lagMs: lag.max / 1e6 };
      } finally {
        await probe.close();
        await server.close();
      }
    };

    it.each([
      ['200,000 tiny headers', `HTTP/1.1 200 OK\r\n${'a:b\r\n'.repeat(200_000)}\r\n`],
      ['200,000 1xx heads', 'HTTP/1.1 100 Continue\r\na:b\r\n\r\n'.repeat(200_000)],
      ['one 20 KB header', `HTTP/1.1 200 OK\r\nx-trace: ${'x'.repeat(20_000)}\r\n\r\n`],
    ])(
      '%s: settles within the timeout + 50 ms as protocol, loop lag bounded',
      async (_label, response) => {
        const { result, tookMs, lagMs } = await probeWithin(response, 100);
        expect(result._unsafeUnwrapErr()).toMatchObject({
          kind: 'protocol',
          message: expect.stringMatching(
            /LBKIT_HEAD_TOO_LARGE: response head (larger than 16384 bytes|more than 100 headers)/,
          ),
        });
        expect(tookMs).toBeLessThan(150);
        expect(lagMs).toBeLessThan(100);
      },
    );

    it('a long header value within the limits becomes a capped, escaped identity', async () => {
      const value = `web-1\t${'x'.repeat(10_000)}`;
      const response = `HTTP/1.1 200 OK\r\nx-trace: ${value}\r\ncontent-length: 0\r\n\r\n`;
      const { result } = await probeWithin(response, 1000);
      const identity = result._unsafeUnwrap().identity ?? '';
      expect(identity).toHaveLength(256);
      expect(identity.startsWith('web-1\\txxx')).toBe(true);
    });

    it('refuses bad limits as an invalid probe', async () => {
      const bad = inMode(fresh)({ maxHeaderBytes: 10 });
      const result = await bad.check({ address: LOOPBACK, port: 9 }, { timeoutMs: 100 });
      expect(result._unsafeUnwrapErr().kind).toBe('internal');
    });
  },
);
