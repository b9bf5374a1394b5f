import { describe, expect, it } from 'vitest';
import { decodeAck, decodeMessages, encodeMessage } from './message.js';
import { openNetlinkSocket } from './socket.js';
import { ERRNO, NLM, SOCKET } from './uapi.js';

/** An NLMSG_NOOP asking for an ACK: the kernel skips it and acknowledges it. */
const noop = (seq: number, portId: number) =>
  encodeMessage({
    type: NLM.NOOP,
    flags: NLM.F_REQUEST | NLM.F_ACK,
    seq,
    pid: portId,
    payload: new Uint8Array(0),
  });

describe('openNetlinkSocket', () => {
  it('opens a generic netlink socket with a kernel-assigned port, and closes it', () => {
    const socket = openNetlinkSocket({ protocol: SOCKET.NETLINK_GENERIC })._unsafeUnwrap();
    expect(socket.portId).toBeGreaterThan(0);
    expect(socket.receive({ wait: false })._unsafeUnwrapErr().kind).toBe('timeout');
    socket.close();
    expect(socket.send(new Uint8Array(16))._unsafeUnwrapErr().kind).toBe('closed');
  });

  it('sends from another thread: the kernel answers as for a send on this one', async () => {
    const socket = openNetlinkSocket({ protocol: SOCKET.NETLINK_GENERIC })._unsafeUnwrap();
    try {
      (await socket.sendAsync!(noop(7, socket.portId)))._unsafeUnwrap();
      const [reply] = decodeMessages(socket.receive()._unsafeUnwrap())._unsafeUnwrap();
      expect([reply!.type, reply!.seq]).toEqual([NLM.ERROR, 7]);
      expect(decodeAck(reply!)._unsafeUnwrap().errno).toBe(0);
    } finally {
      socket.close();
    }
  });

  it('tells the errno of a send that failed on the other thread', async () => {
    const socket = openNetlinkSocket({ protocol: SOCKET.NETLINK_GENERIC })._unsafeUnwrap();
    try {
      // Far beyond the default send buffer: the kernel refuses it before taking it.
      const huge = new Uint8Array(64 << 20);
      huge.set(noop(8, socket.portId));
      const failed = (await socket.sendAsync!(huge))._unsafeUnwrapErr();
      expect(failed.errno).toBe(ERRNO.EMSGSIZE);
      expect(socket.receive({ wait: false })._unsafeUnwrapErr().kind).toBe('timeout');
    } finally {
      socket.close();
    }
  });

  it('closes the descriptor only after a send in flight has returned', async () => {
    const socket = openNetlinkSocket({ protocol: SOCKET.NETLINK_GENERIC })._unsafeUnwrap();
    const sending = socket.sendAsync!(noop(9, socket.portId));
    socket.close();
    expect((await sending).isOk()).toBe(true);
    expect((await socket.sendAsync!(noop(10, socket.portId)))._unsafeUnwrapErr().kind).toBe(
      'closed',
    );
  });
});
