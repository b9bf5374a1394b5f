/** `listAddresses` against the host kernel, in a namespace of its own (needs root). */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetlinkConnection } from './connection.js';
import { listAddresses } from './rtnetlink.js';
import { openNetlinkSocket } from './socket.js';
import { SOCKET } from './uapi.js';

describe('rtnetlink addresses (kernel)', () => {
  const ns = `lbkrt${process.pid}`;
  beforeAll(() => {
    execFileSync('ip', ['netns', 'add', ns]);
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    execFileSync('ip', ['-n', ns, 'addr', 'add', '192.0.2.77/32', 'dev', 'lo']);
    execFileSync('ip', ['-n', ns, 'addr', 'add', '2001:db8::77/128', 'dev', 'lo', 'nodad']);
  });
  afterAll(() => {
    execFileSync('ip', ['netns', 'del', ns]);
  });

  it("dumps the namespace's addresses, both families, and only its own", () => {
    const socket = openNetlinkSocket({ protocol: SOCKET.NETLINK_ROUTE, netns: ns })._unsafeUnwrap();
    const connection = createNetlinkConnection(socket);
    try {
      const text = listAddresses(connection)
        ._unsafeUnwrap()
        .map((a) =>
          a.address.length === 4
            ? `${a.address.join('.')}/${a.prefixLength}`
            : `${Buffer.from(a.address).toString('hex')}/${a.prefixLength}`,
        )
        .sort();
      expect(text).toEqual([
        '00000000000000000000000000000001/128',
        '127.0.0.1/8',
        '192.0.2.77/32',
        '20010db8000000000000000000000077/128',
      ]);
    } finally {
      connection.close();
    }
  });
});
