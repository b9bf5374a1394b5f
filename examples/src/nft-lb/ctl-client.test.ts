/**
 * `nft-lb ctl` as a user runs it (a real process), against a control socket
 * served by `startCtlServer` with scripted answers: text and JSON output,
 * exit codes, and the sentences for a missing daemon or a stale socket.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { programArgv } from '../programs.js';
import type { StatusResult } from './ctl-handlers.js';
import { type CtlServer, startCtlServer } from './ctl-server.js';

const [node, ...script] = programArgv('nft-lb');

function ctl(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(node!, [...script, 'ctl', ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

const STATUS: StatusResult = {
  table: 'nft_lb',
  rules: '/opt/nft_lb_rules',
  ready: true,
  services: [
    {
      name: 'smtp',
      vip: '2001:db8::25',
      port: 25,
      protocol: 'tcp',
      scheduler: 'rr',
      empty: false,
      destinations: [
        {
          name: 'mx1',
          address: '198.51.100.11',
          port: 25,
          weight: 1,
          health: 'up',
          admin: 'enabled',
          serving: true,
          since: 0,
          lastCheck: { ok: true, latencyMs: 0.41 },
        },
        {
          name: 'mx2',
          address: '198.51.100.12',
          port: 25,
          weight: 2,
          health: 'down',
          admin: 'drained',
          serving: false,
          since: 0,
          lastCheck: { ok: false, latencyMs: 1000, error: 'timeout' },
        },
      ],
    },
  ],
};

describe('nft-lb ctl (the client process)', () => {
  let dir: string;
  let server: CtlServer;
  let socket: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lbkx-ctlc-'));
    socket = join(dir, 'run', 'nft_lb.sock');
    const started = await startCtlServer({
      path: socket,
      handle: async (request) => {
        if (request.command === 'status') return { ok: true, command: 'status', result: STATUS };
        if (request.command === 'reload') {
          return {
            ok: false,
            error: 'not applied; the running configuration is kept',
            problems: ['/opt/nft_lb_rules:4: ip: "1.2.3" is not an IPv4 or IPv6 address'],
          };
        }
        if (!('service' in request)) throw new Error('unexpected');
        const applied = request.command !== 'disable';
        return {
          ok: true,
          command: request.command,
          result: {
            service: request.service,
            destination: request.destination,
            admin: 'drained',
            applied,
          },
        };
      },
    });
    server = started._unsafeUnwrap();
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints status as text, one line per service and destination', async () => {
    const { code, stdout, stderr } = await ctl(['--socket', socket, 'status']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.split('\n')).toEqual([
      'table inet nft_lb, rules /opt/nft_lb_rules',
      'service smtp [2001:db8::25]:25/tcp rr: 1/2 serving',
      '  mx1 198.51.100.11:25 weight 1: up, enabled, serving, last check ok 0.41 ms',
      '  mx2 198.51.100.12:25 weight 2: down, drained, not serving, last check failed (timeout) 1000 ms',
      '',
    ]);
  });

  it('prints the JSON answer with --json; a change says whether it is applied', async () => {
    const json = await ctl(['--socket', socket, '--json', 'status']);
    expect(JSON.parse(json.stdout)).toEqual({ ok: true, command: 'status', result: STATUS });
    const drained = await ctl(['--socket', socket, 'drain', 'smtp/mx2']);
    expect(drained.stdout).toBe(
      'smtp/mx2: drained (no new flows, existing connections continue); applied\n',
    );
    const pending = await ctl(['--socket', socket, 'disable', 'smtp/mx2']);
    expect(pending.stdout).toMatch(/still pending \(retrying\)/);
  });

  it('a refused reload: every problem on stderr, exit 1', async () => {
    const { code, stdout, stderr } = await ctl(['--socket', socket, 'reload']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      '/opt/nft_lb_rules:4: ip: "1.2.3" is not an IPv4 or IPv6 address\nnft-lb ctl: not applied; the running configuration is kept\n',
    );
  });

  it('usage errors exit 2 with the usage; --help exits 0', async () => {
    const bad = await ctl(['drain', 'smtp']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^nft-lb ctl: drain: expected SERVICE\/DESTINATION/);
    expect(bad.stderr).toMatch(/Usage: nft-lb ctl/);
    const help = await ctl(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: nft-lb ctl/);
  });

  it('no daemon, or a stale socket: exit 1 with a sentence that says which', async () => {
    const missing = await ctl(['--socket', join(dir, 'none.sock'), 'status']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/none\.sock: no control socket \(is nft-lb running/);
    const stale = join(dir, 'stale.sock');
    execFileSync('python3', [
      '-c',
      'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])',
      stale,
    ]);
    const dead = await ctl(['--socket', stale, 'status']);
    expect(dead.code).toBe(1);
    expect(dead.stderr).toMatch(/stale\.sock: nobody answers \(a stale socket/);
  });
});
