import { describe, expect, it } from 'vitest';
import { conntrackDeleteArgs, createConntrackToolCleaner, parseDeleted } from './conntrack-tool.js';

describe('conntrack cleaner (offline)', () => {
  it('builds the delete arguments for IPv4 and IPv6', () => {
    const v4 = {
      service: { vip: '192.0.2.10', port: 53, protocol: 'udp' as const },
      address: '198.51.100.11',
      port: 5353,
    };
    expect(conntrackDeleteArgs(v4).join(' ')).toBe(
      '-D -p udp --orig-dst 192.0.2.10 --orig-port-dst 53 --reply-src 198.51.100.11 --reply-port-src 5353',
    );
    const v6 = {
      service: { vip: '2001:db8::10', port: 53, protocol: 'udp' as const },
      address: '2001:db8::1',
      port: 53,
    };
    expect(conntrackDeleteArgs(v6).slice(0, 3)).toEqual(['-D', '-f', 'ipv6']);
  });

  it('treats "0 flow entries" with exit code 1 as success', () => {
    const none = 'conntrack v1.4.7 (conntrack-tools): 0 flow entries have been deleted.\n';
    expect(parseDeleted(1, none)._unsafeUnwrap()).toBe(0);
    expect(
      parseDeleted(
        0,
        'conntrack v1.4.7 (conntrack-tools): 3 flow entries have been deleted.',
      )._unsafeUnwrap(),
    ).toBe(3);
    expect(
      parseDeleted(1, 'conntrack v1.4.7: Operation failed: Permission denied')._unsafeUnwrapErr(),
    ).toMatch(/Permission/);
  });

  it('reports a missing binary as unavailable', () => {
    expect(
      createConntrackToolCleaner({ binary: '/nonexistent/conntrack' })._unsafeUnwrapErr().kind,
    ).toBe('unavailable');
    expect(
      createConntrackToolCleaner({ binary: '/bin/true', netns: 'a b' })._unsafeUnwrapErr().kind,
    ).toBe('unavailable');
  });

  it('runs the tool and sums what it deleted', async () => {
    const cleaner = createConntrackToolCleaner({ binary: '/bin/true' })._unsafeUnwrap();
    const flow = {
      service: { vip: '192.0.2.10', port: 53, protocol: 'udp' as const },
      address: '198.51.100.11',
      port: 53,
    };
    expect((await cleaner.deleteUdpFlows([flow, flow]))._unsafeUnwrap()).toBe(0);
    const failing = createConntrackToolCleaner({ binary: '/bin/false' })._unsafeUnwrap();
    expect((await failing.deleteUdpFlows([flow]))._unsafeUnwrapErr().kind).toBe('rejected');
  });
});
