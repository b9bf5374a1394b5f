import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { agentProbe } from './agent-probe.js';
import { LOOPBACK, refusedPort } from './test-support/peers.js';

/** A loopback agent whose behaviour per connection is `serve(socket, firstData)`. */
async function agent(serve: (socket: Socket, sent: string) => void): Promise<Server> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    let sent = '';
    socket.on('data', (b) => {
      sent += b.toString();
    });
    setTimeout(() => serve(socket, sent), 20);
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  return server;
}
const portOf = (server: Server): number => (server.address() as { port: number }).port;

const handles = (): number =>
  process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'Timeout').length;

describe('agentProbe', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((r) => server?.close(r) ?? r(undefined));
    server = undefined;
  });

  const check = async (reply: (socket: Socket, sent: string) => void, send?: string) => {
    server = await agent(reply);
    const probe = agentProbe({ port: portOf(server), ...(send ? { send } : {}) });
    return probe.check({ address: LOOPBACK, port: 1 }, { timeoutMs: 500 });
  };

  it('reads the words: percent and admin state reach ProbeOk.agent; the port overrides the target', async () => {
    const r = await check((s) => s.end('ready 25%\r\n'));
    expect(r._unsafeUnwrap()).toMatchObject({
      identity: 'ready 25%',
      agent: { admin: 'ready', percent: 25 },
    });
    const drain = await check((s) => s.end('drain\n'));
    expect(drain._unsafeUnwrap().agent).toEqual({ admin: 'drain' });
  });

  it('sends agent-send first; the agent may answer without a newline and close', async () => {
    const r = await check((s, sent) => s.end(sent === 'web/s1\n' ? '50%' : 'down'), 'web/s1\n');
    expect(r._unsafeUnwrap().agent).toEqual({ percent: 50 });
  });

  it('down / fail / stopped fail the check with the reason', async () => {
    const r = await check((s) => s.end('stopped#maintenance window\n'));
    expect(r._unsafeUnwrapErr()).toMatchObject({
      kind: 'mismatch',
      message: expect.stringMatching(/says stopped: maintenance window$/),
    });
  });

  it('hostile replies: too long, NUL, empty, slow drip, no answer at all', async () => {
    const long = await check((s) => s.write('u'.repeat(5000)));
    expect(long._unsafeUnwrapErr()).toMatchObject({
      kind: 'protocol',
      message: expect.stringMatching(/longer than 1024/),
    });
    const nul = await check((s) => s.end('up\u0000 50%\n'));
    expect(nul._unsafeUnwrapErr()).toMatchObject({
      kind: 'protocol',
      message: expect.stringMatching(/control character/),
    });
    const empty = await check((s) => s.end());
    expect(empty._unsafeUnwrapErr()).toMatchObject({
      kind: 'protocol',
      message: expect.stringMatching(/empty/),
    });
    const drip = await check((s) => {
      const t = setInterval(() => (s.destroyed ? clearInterval(t) : s.write('u')), 50);
      s.on('close', () => clearInterval(t));
    });
    expect(drip._unsafeUnwrapErr().kind).toBe('timeout');
    const silent = await check(() => undefined);
    expect(silent._unsafeUnwrapErr().kind).toBe('timeout');
  });

  it('an unreachable agent fails the check (it IS the check here)', async () => {
    const port = await refusedPort();
    const r = await agentProbe({ port }).check({ address: LOOPBACK, port: 1 }, { timeoutMs: 500 });
    expect(r._unsafeUnwrapErr().kind).toBe('refused');
  });

  it('releases every socket and timer, also on abort', async () => {
    server = await agent(() => undefined);
    const probe = agentProbe({ port: portOf(server) });
    const before = handles();
    const controller = new AbortController();
    const pending = Array.from({ length: 50 }, () =>
      probe.check({ address: LOOPBACK, port: 1 }, { timeoutMs: 5000, signal: controller.signal }),
    );
    await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    const results = await Promise.all(pending);
    expect(results.every((r) => r.isErr() && r.error.kind === 'aborted')).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(handles()).toBeLessThanOrEqual(before);
  });
});
