import { describe, expect, it } from 'vitest';
import { udpFlowForgetter } from './conntrack-cleanup.js';
import { flowQuery } from './conntrack-netlink.js';

const flow = {
  service: { vip: '192.0.2.10', port: 53, protocol: 'udp' as const },
  address: '198.51.100.1',
  port: 5353,
};
/** A namespace that does not exist: every path fails, each for its own reason. */
const missing = 'lbkn-no-such-netns';

describe('udpFlowForgetter', () => {
  it('does nothing for no flows', async () => {
    expect((await udpFlowForgetter(missing)([]))._unsafeUnwrap()).toBe(0);
  });

  it('netlink alone: the ctnetlink error, no tool behind it', async () => {
    const e = (await udpFlowForgetter(missing, 'netlink')([flow]))._unsafeUnwrapErr();
    expect(e.kind).toBe('unavailable');
    expect(e.message).toMatch(/^ctnetlink socket/);
  });

  it('auto: falls back to the tool and names both failures', async () => {
    const e = (await udpFlowForgetter(missing, 'auto')([flow]))._unsafeUnwrapErr();
    expect(e.message).toMatch(/ctnetlink socket/);
    expect(e.message).toMatch(/conntrack/);
  });
});

describe('flowQuery', () => {
  it('encodes the addresses as bytes and refuses mixed families', () => {
    expect(flowQuery(flow)._unsafeUnwrap()).toMatchObject({
      protocol: 17,
      dst: new Uint8Array([192, 0, 2, 10]),
      dstPort: 53,
      replySrc: new Uint8Array([198, 51, 100, 1]),
      replySrcPort: 5353,
    });
    expect(flowQuery({ ...flow, address: '2001:db8::1' }).isErr()).toBe(true);
  });
});
