import { Socket } from 'node:net';
import type { ProbeTarget } from '@lbkit/core';
import { CheckScope } from './check-scope.js';
import { type ClosableProbe, hostPort, invalidProbe } from './closable-probe.js';
import { classifyError } from './errors.js';
import { isSelfConnectedTcp, SELF_CONNECT_MESSAGE } from './self-connect.js';

/** Options of {@link tcpProbe}. All optional: the default is a plain connect check. */
export interface TcpProbeOptions {
  /** Bytes written right after connect (UTF-8 text or raw bytes). Default: nothing. */
  readonly send?: string | Uint8Array;
  /**
   * Bytes the first received data must start with (e.g. `220` for SMTP).
   * Default: none (success on an established connection). With `expect` set, the
   * first line of what was received (up to 200 characters) is reported as identity.
   */
  readonly expect?: string | Uint8Array;
  /**
   * How the probe closes its connection. `reset` (default) sends RST (SO_LINGER 0),
   * like HAProxy's checks: no TIME_WAIT pile-up on the prober at high check rates.
   * `fin` closes politely (the peer sees a normal close).
   */
  readonly close?: 'reset' | 'fin';
}

const IDENTITY_MAX = 200;

/**
 * TCP connect probe: connects to the target, succeeds once the connection is
 * established (and, with `expect`, once the received bytes start with it), then
 * closes. Error kinds: `refused` (RST, or the kernel connected the probe's
 * socket to itself because nothing listens), `unreachable` (no route, ICMP),
 * `timeout` (no verdict within the check's timeout, e.g. SYN unanswered),
 * `reset` (peer reset while waiting for the banner), `mismatch` (banner differs
 * or the peer closed before sending enough), `aborted`.
 */
export function tcpProbe(options: TcpProbeOptions = {}): ClosableProbe {
  const send = toBytes(options.send);
  const expect = toBytes(options.expect);
  const reset = (options.close ?? 'reset') === 'reset';
  const description = `tcp connect${expect ? ' + banner' : ''}`;
  if (options.close !== undefined && options.close !== 'reset' && options.close !== 'fin') {
    return invalidProbe(description, `close must be 'reset' or 'fin'`);
  }
  if (expect?.length === 0) return invalidProbe(description, 'expect must not be empty');
  return {
    description,
    check: (target, checkOptions) =>
      CheckScope.run(checkOptions, (scope) => connect(scope, target, send, expect, reset)),
    close: async () => {},
  };
}

function connect(
  scope: CheckScope,
  target: ProbeTarget,
  send: Buffer | undefined,
  expect: Buffer | undefined,
  reset: boolean,
): void {
  const socket = new Socket();
  scope.defer(() => {
    if (reset && socket.readyState === 'open') socket.resetAndDestroy();
    else socket.destroy();
  });
  socket.on('error', (error) => {
    const { kind, message } = classifyError(error);
    scope.fail(kind, `${hostPort(target.address, target.port)}: ${message}`);
  });
  socket.once('connect', () => {
    if (isSelfConnectedTcp(socket, target.port)) {
      scope.fail('refused', `${hostPort(target.address, target.port)}: ${SELF_CONNECT_MESSAGE}`);
      return;
    }
    if (send && send.length > 0) socket.write(send);
    if (!expect) {
      scope.succeed();
      return;
    }
    let received: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      const n = Math.min(received.length, expect.length);
      if (!received.subarray(0, n).equals(expect.subarray(0, n))) {
        scope.fail(
          'mismatch',
          `banner ${JSON.stringify(firstLine(received))} does not start with ${JSON.stringify(expect.toString('utf8'))}`,
        );
      } else if (received.length >= expect.length) {
        scope.succeed(firstLine(received));
      }
    });
    socket.once('end', () => {
      scope.fail(
        'mismatch',
        `peer closed after ${received.length} bytes, expected ${expect.length}`,
      );
    });
  });
  // TCP_NODELAY costs a setsockopt per check: only worth it when something is sent.
  socket.connect({ host: target.address, port: target.port, noDelay: send !== undefined });
}

function firstLine(bytes: Buffer): string {
  const text = bytes.subarray(0, IDENTITY_MAX * 4).toString('utf8');
  const end = text.search(/\r?\n/);
  return (end >= 0 ? text.slice(0, end) : text).slice(0, IDENTITY_MAX);
}

function toBytes(value: string | Uint8Array | undefined): Buffer | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
}
