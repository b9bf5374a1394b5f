import type { DesiredState } from '@lbkit/core';
import { LAB } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNftablesBackend } from '../backend/backend.js';
import type { NftablesBackend } from '../backend/backend-types.js';
import { openNftCli } from '../transport/nft-cli.js';
import { kernelSkip } from './kernel-env.js';
import { naive } from './naive-layout.js';
import { createTrafficLab, type LoadResult, type TrafficLab } from './traffic-lab.js';

const skip = kernelSkip(['nft']);
const FLIPS = 1000;

const web = (withS3: boolean): DesiredState => ({
  services: [
    {
      name: 'web',
      key: { vip: LAB.vip, port: 80, protocol: 'tcp' },
      scheduler: 'rr',
      whenEmpty: 'reject',
      persistence: 0,
      destinations: [1, 2, 3]
        .filter((i) => withS3 || i !== 3)
        .map((i) => ({ name: `s${i}`, address: LAB.server(i), port: 80, weight: 1 })),
    },
  ],
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const total = (r: LoadResult) => Object.values(r.counts).reduce((a, b) => a + b, 0) + r.failures;

describe.skipIf(skip)(`atomicity under churn${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: TrafficLab;
  let backend: NftablesBackend;
  beforeAll(async () => {
    lab = await createTrafficLab('lbkn', 3);
    await lab.startNameServers([80, 81]);
    backend = createNftablesBackend({ netns: lab.lbNs })._unsafeUnwrap();
  });
  afterAll(async () => {
    await backend?.close();
    await lab?.destroy();
  });

  it(`${FLIPS} flips of the destination set while a client connects: zero failures`, async () => {
    (await backend.apply(web(true)))._unsafeUnwrap();
    const load = lab.client({
      mode: 'tcp',
      host: LAB.vip,
      port: 80,
      durationMs: 6000,
      concurrency: 4,
    });
    await sleep(1000);
    const started = performance.now();
    for (let i = 0; i < FLIPS; i++) {
      const report = (await backend.apply(web(i % 2 === 1)))._unsafeUnwrap();
      expect(report.changedServices).toEqual(['web']);
      // Flips go through the raw netlink batch (default writePath).
      expect(report.path).toBe('netlink');
      await sleep(i % 10 === 0 ? 2 : 0);
    }
    const flipMs = performance.now() - started;
    const result = await load;
    expect(result.startedAt).toBeLessThan(Date.now() - 5000);
    expect(result.failures).toBe(0);
    expect(result.counts.s1).toBeGreaterThan(100);
    expect(result.counts.s3).toBeGreaterThan(0);
    console.log(
      `atomic: ${FLIPS} flips in ${flipMs.toFixed(0)} ms, ${total(result)} connections, ${result.failures} failures`,
    );
  });

  it('control: the vendor way (flush, then add, as two commands) loses connections', async () => {
    const cli = openNftCli({ netns: lab.lbNs })._unsafeUnwrap();
    const t = 'lbkn_naive';
    const all = [1, 2, 3].map((i) => LAB.server(i));
    for (const command of [naive.table(t), ...naive.service(t, 'web', LAB.vip, 81, all)]) {
      (await cli.run(command))._unsafeUnwrap();
    }
    const load = lab.client({
      mode: 'tcp',
      host: LAB.vip,
      port: 81,
      durationMs: 4000,
      concurrency: 4,
      timeoutMs: 1000,
    });
    await sleep(1000);
    for (let i = 0; i < 100; i++) {
      for (const command of naive.update(t, 'web', i % 2 ? all : all.slice(0, 2))) {
        (await cli.run(command))._unsafeUnwrap();
      }
    }
    const result = await load;
    (await cli.run(`delete table ip ${t}\n`))._unsafeUnwrap();
    cli.close();
    console.log(
      `naive: 100 flips, ${total(result)} connections, ${result.failures} failures ${JSON.stringify(result.errors)}`,
    );
    expect(result.failures).toBeGreaterThan(0);
  });
});
