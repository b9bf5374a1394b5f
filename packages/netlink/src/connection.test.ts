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

  describe('requestPaced', () => {
    /** A dump of `n` datagrams of one message each, then NLMSG_DONE. */
    const dumpOf = (n: number) =>
      scripted((seq) => [
        ...Array.from({ length: n }, () => msg(0x30, seq, Uint8Array.of(1, 1, 0, 0), NLM.F_MULTI)),
        msg(NLM.DONE, seq, new Uint8Array(4), NLM.F_MULTI),
      ]);

    it('collects the same answer as request(), pausing between datagrams when pace() asks', async () => {
      const c = createNetlinkConnection(dumpOf(5), 100);
      let asked = 0;
      let paused = 0;
      const pace = () => {
        asked++;
        // Every other datagram: a slice that ran long.
        return asked % 2 === 0 ? Promise.resolve().then(() => void paused++) : undefined;
      };
      const data = (await c.requestPaced(0x30, new Uint8Array(4), 'dump', pace))._unsafeUnwrap();
      expect(data).toHaveLength(5);
      expect([asked, paused]).toEqual([5, 2]);
      expect(c.requests).toBe(1);
    });

    it('refuses other requests while it waits, and takes them again after', async () => {
      const c = createNetlinkConnection(dumpOf(2), 100);
      let during: string[] = [];
      const pace = () =>
        Promise.resolve().then(() => {
          during = [
            c.request(0x30, new Uint8Array(4), 'dump')._unsafeUnwrapErr().kind,
            ...c.requestEach(0x30, [new Uint8Array(4)]).map((r) => r._unsafeUnwrapErr().kind),
          ];
        });
      (await c.requestPaced(0x30, new Uint8Array(4), 'dump', pace))._unsafeUnwrap();
      expect(during).toEqual(['io', 'io']);
      expect(c.request(0x30, new Uint8Array(4), 'dump')._unsafeUnwrap()).toHaveLength(2);
    });

    it('reports an error in the answer and frees the connection', async () => {
      const t = scripted((seq) => [msg(NLM.ERROR, seq, encodeAck({ errno: 1, seq }))]);
      const c = createNetlinkConnection(t);
      const e = (
        await c.requestPaced(0x30, new Uint8Array(4), 'ack', () => undefined, 'GET x')
      )._unsafeUnwrapErr();
      expect(e).toMatchObject({ kind: 'permission', operation: 'GET x' });
      expect(c.request(0x30, new Uint8Array(4), 'ack')._unsafeUnwrapErr().kind).toBe('permission');
    });
  });

  describe('requestEach', () => {
    /** Requests per datagram (connection.ts). */
    const PER_DATAGRAM = 64;
    /**
     * A kernel-like socket: runs every message of a datagram, in order, and
     * queues one ack each (errno from `errnoOf(index)`), `perReply` acks per
     * datagram, after a stale reply of an older sequence number.
     */
    function batchKernel(errnoOf: (index: number) => number, perReply = 5) {
      const queue: Uint8Array[] = [];
      const datagrams: number[] = [];
      let index = 0;
      const t = {
        portId: 7,
        receives: 0,
        failReceiveAt: -1,
        send(datagram: Uint8Array) {
          const messages = decodeMessages(datagram)._unsafeUnwrap();
          datagrams.push(messages.length);
          queue.push(msg(NLM.ERROR, 1, encodeAck({ errno: 0, seq: 1 })));
          const acks = messages.map((m) =>
            msg(NLM.ERROR, m.seq, encodeAck({ errno: errnoOf(index++), seq: m.seq })),
          );
          for (let i = 0; i < acks.length; i += perReply) {
            queue.push(new Uint8Array(acks.slice(i, i + perReply).flatMap((a) => [...a])));
          }
          return ok(undefined);
        },
        receive() {
          if (t.receives++ === t.failReceiveAt) return err(netlinkError('io', 'ENOBUFS'));
          const next = queue.shift();
          return next ? ok(next) : err(netlinkError('timeout', 'nothing'));
        },
        close() {},
      };
      return { socket: t, datagrams };
    }
    const payloads = (n: number) => Array.from({ length: n }, () => new Uint8Array(4));
    const labels = (n: number) => Array.from({ length: n }, (_, i) => `op ${i}`);

    it('sends up to 64 requests per datagram and answers each in order', () => {
      const k = batchKernel((i) => (i === 70 ? 17 : 0));
      const c = createNetlinkConnection(k.socket, 100);
      const results = c.requestEach(0x30, payloads(150), labels(150));
      expect(k.datagrams).toEqual([PER_DATAGRAM, PER_DATAGRAM, 22]);
      expect(c.requests).toBe(150);
      expect(results).toHaveLength(150);
      // A failure does not stop the requests after it (the kernel runs them all).
      expect(results.filter((r) => r.isErr())).toHaveLength(1);
      expect(results[70]!._unsafeUnwrapErr()).toMatchObject({
        kind: 'exists',
        errno: 17,
        operation: 'op 70',
      });
      expect(results[71]!.isOk()).toBe(true);
      expect(c.nextSeq).toBe(251);
    });

    it('gives every unanswered request the socket error when the socket fails', () => {
      const k = batchKernel(() => 0, 10);
      k.socket.failReceiveAt = 12; // in the second datagram: a stale reply, then 3 of its 7 ack datagrams
      const results = createNetlinkConnection(k.socket).requestEach(
        0x30,
        payloads(200),
        labels(200),
      );
      const failed = results.map((r) => r.isErr());
      expect(failed.indexOf(true)).toBe(PER_DATAGRAM + 30);
      expect(failed.slice(PER_DATAGRAM + 30).every(Boolean)).toBe(true);
      expect(results[199]!._unsafeUnwrapErr()).toMatchObject({ kind: 'io', operation: 'op 199' });
      expect(k.datagrams).toHaveLength(2);
    });

    it('paced: the same answers, a pause between datagrams, other requests refused meanwhile', async () => {
      const k = batchKernel((i) => (i === 70 ? 17 : 0));
      const c = createNetlinkConnection(k.socket, 100);
      const during: string[] = [];
      const pace = () =>
        Promise.resolve().then(() => {
          during.push(c.request(0x30, new Uint8Array(4), 'ack')._unsafeUnwrapErr().kind);
        });
      const results = await c.requestEachPaced(0x30, payloads(150), pace, labels(150));
      expect(k.datagrams).toEqual([PER_DATAGRAM, PER_DATAGRAM, 22]);
      expect(during).toEqual(['io', 'io']);
      expect(results.map((r) => r.isOk())).toEqual(results.map((_, i) => i !== 70));
      expect(results[70]!._unsafeUnwrapErr()).toMatchObject({ errno: 17, operation: 'op 70' });
      // Free again afterwards.
      expect(c.requestEach(0x30, payloads(1)).map((r) => r.isOk())).toEqual([true]);
    });

    it('answers nothing sent after close()', () => {
      const c = createNetlinkConnection(batchKernel(() => 0).socket);
      c.close();
      expect(c.requestEach(0x30, payloads(2)).map((r) => r._unsafeUnwrapErr().kind)).toEqual([
        'closed',
        'closed',
      ]);
    });
  });
});
