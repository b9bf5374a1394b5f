import { err, ok } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import { createNetlinkConnection } from './connection.js';
import { netlinkError } from './errors.js';
import { decodeMessages, encodeAck, encodeMessage } from './message.js';
import type { NetlinkSocket } from './socket.js';
import { NLM } from './uapi.js';

/** A transport that answers each request with the datagrams `script(seq)` returns. */
function scripted(script: (seq: number) => Uint8Array[]): NetlinkSocket & { sent: number } {
  const queue: Uint8Array[] = [];
  const t = {
    portId: 7,
    sent: 0,
    send(datagram: Uint8Array) {
      t.sent++;
      const [m] = decodeMessages(datagram)._unsafeUnwrap();
      queue.push(...script(m!.seq));
      return ok(undefined);
    },
    receive() {
      const next = queue.shift();
      return next ? ok(next) : err(netlinkError('timeout', 'nothing'));
    },
    close() {},
  };
  return t;
}

const msg = (type: number, seq: number, payload: Uint8Array, flags = 0) =>
  encodeMessage({ type, flags, seq, pid: 0, payload });

describe('netlink connection', () => {
  it('collects a dump across datagrams until NLMSG_DONE', () => {
    const t = scripted((seq) => [
      msg(0x30, seq, Uint8Array.of(1, 1, 0, 0), NLM.F_MULTI),
      new Uint8Array([
        ...msg(0x30, seq, Uint8Array.of(1, 1, 0, 0), NLM.F_MULTI),
        ...msg(NLM.DONE, seq, new Uint8Array(4), NLM.F_MULTI),
      ]),
    ]);
    const c = createNetlinkConnection(t, 100);
    expect(c.request(0x30, new Uint8Array(4), 'dump')._unsafeUnwrap()).toHaveLength(2);
    expect(c.requests).toBe(1);
  });

  it('turns an NLMSG_ERROR into a typed error and a failed dump into its errno', () => {
    const t = scripted((seq) => [msg(NLM.ERROR, seq, encodeAck({ errno: 1, seq }))]);
    const e = createNetlinkConnection(t)
      .request(0x30, new Uint8Array(4), 'ack', 'NEW_SERVICE x')
      ._unsafeUnwrapErr();
    expect(e).toMatchObject({ kind: 'permission', errno: 1, operation: 'NEW_SERVICE x' });
    const done = new Uint8Array(4);
    new DataView(done.buffer).setInt32(0, -16, true);
    const t2 = scripted((seq) => [msg(NLM.DONE, seq, done, NLM.F_MULTI)]);
    expect(
      createNetlinkConnection(t2).request(0x30, new Uint8Array(4), 'dump')._unsafeUnwrapErr().errno,
    ).toBe(16);
  });

  it('reports an interrupted dump and a missing reply', () => {
    const t = scripted((seq) => [msg(0x30, seq, new Uint8Array(4), NLM.F_MULTI | NLM.F_DUMP_INTR)]);
    expect(
      createNetlinkConnection(t).request(0x30, new Uint8Array(4), 'dump')._unsafeUnwrapErr().kind,
    ).toBe('io');
    const silent = scripted(() => []);
    expect(
      createNetlinkConnection(silent).request(0x30, new Uint8Array(4), 'ack')._unsafeUnwrapErr()
        .kind,
    ).toBe('timeout');
  });

  it('refuses requests after close()', () => {
    const c = createNetlinkConnection(scripted(() => []));
    c.close();
    expect(c.request(0x30, new Uint8Array(4), 'ack')._unsafeUnwrapErr().kind).toBe('closed');
  });
});
