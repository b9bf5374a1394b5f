import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CtlRequest, parseCtlRequest, requestLine } from './ctl-protocol.js';
import { type CtlServer, startCtlServer } from './ctl-server.js';

/** Sends `bytes` (then half-closes unless `keepOpen`) and resolves with what came back. */
function exchange(path: string, bytes: string | Buffer, keepOpen = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let text = '';
    socket.on('data', (d) => {
      text += d.toString();
    });
    socket.once('connect', () => {
      socket.write(bytes);
      if (!keepOpen) socket.end();
    });
    socket.once('close', () => resolve(text));
    // A reset after the answer (the server stopped reading a flood) still counts the answer.
    socket.once('error', (error) => (text === '' ? reject(error) : resolve(text)));
  });
}

const answer = (text: string) => {
  expect(text.endsWith('\n')).toBe(true);
  expect(text.indexOf('\n')).toBe(text.length - 1);
  return JSON.parse(text) as { ok: boolean; error?: string; result?: unknown };
};

describe('the control socket server', () => {
  let dir: string;
  let server: CtlServer;
  const seen: CtlRequest[] = [];
  let release: (() => void) | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lbkx-ctl-'));
    seen.length = 0;
    const started = await startCtlServer({
      path: join(dir, 'nft_lb.sock'),
      maxClients: 2,
      idleMs: 300,
      handle: async (request) => {
        seen.push(request);
        if (request.command === 'reload') await new Promise<void>((r) => (release = r));
        if (request.command === 'disable') throw new Error('boom');
        return { ok: true, command: request.command, result: { echo: request } };
      },
    });
    server = started._unsafeUnwrap();
  });
  afterEach(async () => {
    release?.();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers one request line with one JSON line', async () => {
    const got = answer(await exchange(server.path, '{"command":"status"}\n'));
    expect(got).toEqual({ ok: true, command: 'status', result: { echo: { command: 'status' } } });
    const drain = answer(
      await exchange(server.path, '{"command":"drain","service":"web","destination":"s1"}\r\n'),
    );
    expect(drain.ok).toBe(true);
    expect(seen.map((r) => r.command)).toEqual(['status', 'drain']);
  });

  it('answers garbage, bad commands and bad names with an error, and never calls the handler', async () => {
    const bad: Array<[string | Buffer, RegExp]> = [
      ['hello\n', /not a JSON request/],
      ['[1,2]\n', /must be a JSON object/],
      ['{"command":"rm -rf"}\n', /unknown command "rm -rf"/],
      ['{"command":"status","x":1}\n', /unexpected field "x"/],
      ['{"command":"drain","service":"web"}\n', /destination must be a name/],
      [
        '{"command":"drain","service":"a\\"; flush ruleset","destination":"s1"}\n',
        /service must be a name/,
      ],
      [Buffer.from([0xff, 0xfe, 0x0a]), /not UTF-8/],
      ['\n', /not a JSON request/],
      ['', /empty request/],
      ['{"command":"status"}', /incomplete request: no line end/],
      [`${'x'.repeat(5000)}\n`, /longer than 4096 bytes/],
    ];
    for (const [bytes, message] of bad) {
      const got = answer(await exchange(server.path, bytes));
      expect(got.ok, String(bytes)).toBe(false);
      expect(got.error).toMatch(message);
    }
    expect(seen).toEqual([]);
  });

  it('stops reading an oversized line at the bound (10 MB sent, one error back)', async () => {
    const got = answer(await exchange(server.path, Buffer.alloc(10_000_000, 0x61)));
    expect(got.error).toMatch(/longer than 4096 bytes/);
  });

  it('answers a client that sends nothing within the idle time', async () => {
    const started = Date.now();
    const got = answer(await exchange(server.path, '{"comm', true));
    expect(got.error).toMatch(/no request line within 300 ms/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('serves a bounded number of clients: the next one is told it is busy', async () => {
    const slow = [
      exchange(server.path, '{"command":"reload"}\n', true),
      exchange(server.path, '{"co', true),
    ];
    await new Promise((r) => setTimeout(r, 100));
    const third = answer(await exchange(server.path, '{"command":"status"}\n'));
    expect(third.error).toMatch(/busy: 2 clients connected/);
    release?.();
    expect(answer(await slow[0]!).ok).toBe(true);
    await slow[1];
  });

  it('turns a handler failure into an error answer, and keeps serving', async () => {
    const got = answer(
      await exchange(server.path, '{"command":"disable","service":"web","destination":"s1"}\n'),
    );
    expect(got.error).toBe('internal error: boom');
    expect(answer(await exchange(server.path, '{"command":"status"}\n')).ok).toBe(true);
  });
});

describe('parseCtlRequest', () => {
  it('accepts the documented requests', () => {
    expect(parseCtlRequest('{"command":"reload"}')._unsafeUnwrap()).toEqual({ command: 'reload' });
    expect(
      parseCtlRequest('{"command":"enable","service":"web","destination":"s-1"}')._unsafeUnwrap(),
    ).toEqual({ command: 'enable', service: 'web', destination: 's-1' });
  });

  it('takes until/deadline on drain only, within bounds', () => {
    const drain = (extra: string) =>
      parseCtlRequest(`{"command":"drain","service":"web","destination":"s1"${extra}}`);
    expect(drain(',"until":"idle","deadline":60000')._unsafeUnwrap()).toEqual({
      command: 'drain',
      service: 'web',
      destination: 's1',
      drain: { until: 'idle', deadline: 60000 },
    });
    expect(drain(',"until":1500')._unsafeUnwrap()).toMatchObject({ drain: { until: 1500 } });
    expect(drain('')._unsafeUnwrap()).not.toHaveProperty('drain');
    // What the client sends is what the daemon reads.
    const request = drain(',"until":"idle","deadline":60000')._unsafeUnwrap();
    expect(parseCtlRequest(requestLine(request).trimEnd())._unsafeUnwrap()).toEqual(request);
    const bad: Array<[string, RegExp]> = [
      [',"until":"later"', /until must be "idle" or ms/],
      [',"until":0', /until must be/],
      [',"until":1.5', /until must be/],
      [',"until":86400001', /until must be/],
      [',"deadline":100', /deadline needs until "idle"/],
      [',"until":100,"deadline":100', /deadline goes with until "idle" only/],
      [',"until":"idle","deadline":"soon"', /deadline must be ms/],
    ];
    for (const [extra, message] of bad)
      expect(drain(extra)._unsafeUnwrapErr(), extra).toMatch(message);
    expect(
      parseCtlRequest(
        '{"command":"enable","service":"web","destination":"s1","until":"idle"}',
      )._unsafeUnwrapErr(),
    ).toMatch(/unexpected field "until"/);
  });

  it('quotes and cuts what it shows of a bad value', () => {
    const error = parseCtlRequest(`{"command":"${'x'.repeat(100)}\\n"}`)._unsafeUnwrapErr();
    expect(error).not.toContain('\n');
    expect(error.length).toBeLessThan(120);
  });
});
