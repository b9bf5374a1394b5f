/**
 * `countFlows` on IPVS in the kernel VM with real TCP connections: three held
 * connections through rr over two servers count 2 + 1 (ActiveConns); once
 * the client is gone they leave ESTABLISHED and count 0, while IPVS still
 * lists them as inactive (TIME_WAIT), which is why TCP counts ActiveConns only.
 */
import type { ChildProcess } from 'node:child_process';
import type { DesiredService } from '@lbkit/core';
import { type BalancerLab, createBalancerLab, LAB } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until, vmSkipReason } from '../testing/vm.js';
import { createIpvsBackend } from './ipvs-backend.js';
import { createMemoryOwnershipStore } from './ownership.js';

const skip = vmSkipReason();

/** A TCP server that greets with its name and echoes: `node -e`, nothing else needed. */
const serverJs = (name: string, address: string) =>
  `require('net').createServer((s) => { s.on('error', () => {}); s.write('${name}\\n'); s.pipe(s); }).listen(80, '${address}', () => console.log('ready'))`;

/** Opens `n` connections to the VIP one after another and holds them; prints each greeting. */
const clientJs = (n: number) =>
  `const net = require('net'); let i = 0; const next = () => { if (i++ >= ${n}) return; const s = net.connect(80, '${LAB.vip}'); s.once('data', (d) => { console.log(String(d).trim()); next(); }); }; next();`;

const web: DesiredService = {
  name: 'web',
  key: { vip: LAB.vip, port: 80, protocol: 'tcp' },
  scheduler: 'rr',
  whenEmpty: 'reject',
  persistence: 0,
  destinations: [1, 2].map((i) => ({ name: `s${i}`, address: LAB.server(i), port: 80, weight: 1 })),
};

const lines = (child: ChildProcess): string[] => {
  const out: string[] = [];
  child.stdout?.on('data', (b: Buffer) => out.push(...b.toString().trim().split('\n')));
  return out;
};

describe.skipIf(skip)(`IPVS flow count${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let env: BalancerLab;

  beforeAll(async () => {
    env = await createBalancerLab('lbfc', 2);
    for (const i of [1, 2]) {
      const out = lines(
        env.lab.spawn(`s${i}`, [process.execPath, '-e', serverJs(`s${i}`, LAB.server(i))]),
      );
      expect(await until(() => out.includes('ready'), 10_000)).toBe(true);
    }
  });
  afterAll(async () => {
    await env?.lab.destroy();
  });

  it('counts held connections as ActiveConns, and 0 once they are closed', async () => {
    const b = createIpvsBackend({
      netns: env.lab.ns('lb'),
      ownership: createMemoryOwnershipStore(),
    });
    try {
      expect((await b.apply({ services: [web] })).isOk()).toBe(true);
      const client = env.lab.spawn('client', [process.execPath, '-e', clientJs(3)]);
      const greetings = lines(client);
      expect(await until(() => greetings.length === 3, 10_000)).toBe(true);
      const queries = [1, 2].map((i) => ({ service: web.key, address: LAB.server(i), port: 80 }));
      const held = (await b.countFlows!(queries))._unsafeUnwrap();
      const byName = [1, 2].map((i) => greetings.filter((g) => g === `s${i}`).length);
      expect(held).toEqual(byName);
      expect(held.reduce((a, c) => a + c, 0)).toBe(3);
      await env.lab.kill(client); // the kernel closes its sockets: FIN, then TIME_WAIT
      const idle = await until(
        async () => (await b.countFlows!(queries))._unsafeUnwrap().every((n) => n === 0),
        10_000,
      );
      expect(idle).toBe(true);
      console.log(`IPVS flow count: held ${JSON.stringify(held)}, then 0 after the client closed`);
    } finally {
      await b.close();
    }
  });
});
