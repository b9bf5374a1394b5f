import { describe, expect, it } from 'vitest';
import { openNetlinkSocket } from './socket.js';
import { SOCKET } from './uapi.js';

describe('openNetlinkSocket', () => {
  it('opens a generic netlink socket with a kernel-assigned port, and closes it', () => {
    const socket = openNetlinkSocket({ protocol: SOCKET.NETLINK_GENERIC })._unsafeUnwrap();
    expect(socket.portId).toBeGreaterThan(0);
    expect(socket.receive({ wait: false })._unsafeUnwrapErr().kind).toBe('timeout');
    socket.close();
    expect(socket.send(new Uint8Array(16))._unsafeUnwrapErr().kind).toBe('closed');
  });
});
