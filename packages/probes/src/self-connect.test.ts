import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isSelfConnectedTcp } from './self-connect.js';

/** A connected socket stand-in that counts how often its addresses are asked. */
function socketAt(localPort: number) {
  let asked = 0;
  const socket = {
    get localPort() {
      asked++;
      return localPort;
    },
    get localAddress() {
      asked++;
      return '127.0.0.1';
    },
    get remoteAddress() {
      asked++;
      return '127.0.0.1';
    },
  } as unknown as Socket;
  return { socket, asked: () => asked };
}

describe('isSelfConnectedTcp', () => {
  const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
    .trim()
    .split(/\s+/)
    .map(Number) as [number, number];

  it('asks nothing for a port the kernel never hands out as a source port', () => {
    const below = low - 1;
    const s = socketAt(below);
    expect(isSelfConnectedTcp(s.socket, below)).toBe(false);
    expect(s.asked()).toBe(0);
  });

  it('checks a port inside the ephemeral range: self-connected when both ends are the same', () => {
    const inside = Math.floor((low + high) / 2);
    const self = socketAt(inside);
    expect(isSelfConnectedTcp(self.socket, inside)).toBe(true);
    expect(self.asked()).toBeGreaterThan(0);
    const other = socketAt(inside + 1);
    expect(isSelfConnectedTcp(other.socket, inside)).toBe(false);
  });
});
