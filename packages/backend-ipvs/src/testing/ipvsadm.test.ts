import { describe, expect, it } from 'vitest';
import { parseIpvsadmList } from './ipvsadm.js';

describe('parseIpvsadmList', () => {
  it('reads IPv4 and IPv6 services and their real servers', () => {
    const text = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  192.0.2.10:80 rr
  -> 198.51.100.1:8080            Masq    1      0          0
  -> 198.51.100.2:8080            Masq    0      3          1
UDP  [2001:db8::10]:53 wrr persistent 300
  -> [2001:db8:1::1]:53           Route   5      0          0
FWM  7 rr
  -> 198.51.100.9:0               Tunnel  1      0          0
`;
    expect(parseIpvsadmList(text)).toEqual({
      services: [
        {
          key: { vip: '192.0.2.10', port: 80, protocol: 'tcp' },
          scheduler: 'rr',
          destinations: [
            { address: '198.51.100.1', port: 8080, weight: 1 },
            { address: '198.51.100.2', port: 8080, weight: 0 },
          ],
        },
        {
          key: { vip: '2001:db8::10', port: 53, protocol: 'udp' },
          scheduler: 'wrr',
          destinations: [{ address: '2001:db8:1::1', port: 53, weight: 5 }],
        },
      ],
    });
  });
});
