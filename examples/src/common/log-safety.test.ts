/**
 * A hostile name server's TXT record on its way to journald, for real: a DNS
 * probe over UDP on loopback, the health engine, the balancer's events, the
 * event log and the log output in journald mode. The TXT holds a newline,
 * `<0>` and ESC: it must come out as ONE line with its own priority, the
 * text escaped, no forged priority-0 line.
 */
import { createSocket } from 'node:dgram';
import { PassThrough } from 'node:stream';
import { createBalancer, DEFAULT_HEALTH, type Service } from '@lbkit/core';
import { createFakeBackend } from '@lbkit/core/testing';
import { createProbe } from '@lbkit/probes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dnsAnswer, HEALTH_NAME } from '../lab/dns-answer.js';
import { attachEventLog } from './event-log.js';
import { createLogOutput } from './log-output.js';

const FORGED = '=ns1=\n<0>kernel: forged root login\u001b[2J';

describe('a forged TXT record on its way to journald', () => {
  const server = createSocket('udp4');
  let port = 0;
  beforeAll(async () => {
    server.on('message', (message, peer) => {
      const reply = dnsAnswer(message, FORGED, peer.address);
      if (reply) server.send(reply, peer.port, peer.address);
    });
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', () => resolve()));
    port = server.address().port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('is written as one escaped line with its own priority', async () => {
    const service: Service = {
      name: 'dns',
      key: { vip: '192.0.2.53', port: 53, protocol: 'udp' },
      scheduler: 'rr',
      destinations: [{ name: 'ns1', address: '127.0.0.1', port, weight: 1 }],
      probe: { kind: 'dns', name: HEALTH_NAME, type: 'TXT' },
      health: { ...DEFAULT_HEALTH, interval: 200, fastInterval: 100, jitter: 0, rise: 1 },
      whenEmpty: 'reject',
      downAction: 'remove',
      persistence: 0,
    };
    const balancer = createBalancer({
      services: [service],
      backend: createFakeBackend(),
      probes: createProbe,
    });
    const journal = new PassThrough();
    let text = '';
    journal.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    const log = createLogOutput({ journald: true, stdout: journal, stderr: journal });
    attachEventLog(balancer, log);
    await balancer.start();
    await balancer.whenReady();
    await balancer.stop();
    const lines = text.trimEnd().split('\n');
    expect(lines.every((line) => /^<[46]>/.test(line))).toBe(true);
    expect(lines.some((line) => line.startsWith('<0>'))).toBe(false);
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    const health = lines.find((line) => line.includes('unknown -> up'));
    expect(health).toMatch(
      /^<6>service dns: destination ns1 \(127\.0\.0\.1:\d+\) unknown -> up: first check: ok in \d+ ms \(=ns1=\\n<0>kernel: forged root login\\u001b\[2J\)$/,
    );
  });
});
