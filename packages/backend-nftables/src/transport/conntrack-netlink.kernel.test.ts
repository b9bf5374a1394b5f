/**
 * ctnetlink cleanup on a real kernel: a UDP flow DNATed through the VIP has a
 * conntrack entry (read with the `conntrack` tool, an independent reader);
 * deleting the flows of its destination over netlink removes exactly it.
 */
import type { DesiredState } from '@lbkit/core';
import { LAB } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNftablesBackend } from '../backend/backend.js';
import type { NftablesBackend } from '../backend/backend-types.js';
import { kernelSkip } from '../lab/kernel-env.js';
import { createTrafficLab, type TrafficLab } from '../lab/traffic-lab.js';
import { createConntrackNetlinkCleaner } from './conntrack-netlink.js';
import { createDefaultTransport } from './default-transport.js';

const skip = kernelSkip(['nft', 'conntrack']);
const PORT = 9000;

const udpState = (servers: number[]): DesiredState => ({
  services: [
    {
      name: 'echo',
      key: { vip: LAB.vip, port: PORT, protocol: 'udp' },
      scheduler: 'rr',
      whenEmpty: 'reject',
      persistence: 0,
      destinations: servers.map((i) => ({
        name: `s${i}`,
        address: LAB.server(i),
        port: PORT,
        weight: 1,
      })),
    },
  ],
});

describe.skipIf(skip)(`ctnetlink conntrack delete${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: TrafficLab;
  let backend: NftablesBackend;

  /** The lb namespace's UDP entries towards the service, as `conntrack -L` prints them. */
  const entries = async (): Promise<string[]> => {
    const out = await lab.lab.try('lb', [
      'conntrack',
      '-L',
      '-p',
      'udp',
      '--orig-dst',
      LAB.vip,
      '--orig-port-dst',
      String(PORT),
    ]);
    return out.stdout.split('\n').filter((l) => l.startsWith('udp'));
  };

  beforeAll(async () => {
    lab = await createTrafficLab('lbkn', 2);
    await lab.startNameServers([PORT]);
    backend = createNftablesBackend({
      netns: lab.lbNs,
      driftCheckInterval: 0,
      conntrack: false,
    })._unsafeUnwrap();
    (await backend.apply(udpState([1, 2])))._unsafeUnwrap();
  });
  afterAll(async () => {
    await backend?.close();
    await lab?.destroy();
  });

  it("deletes the entry of a UDP flow to a destination, and only that destination's", async () => {
    await lab.lab.try('lb', ['conntrack', '-F']);
    const spec = { mode: 'udp' as const, host: LAB.vip, port: PORT, count: 2, sourcePort: 40100 };
    const first = await lab.client(spec);
    const pinned = Object.keys(first.counts);
    expect(pinned).toHaveLength(1);
    const [before] = await entries();
    expect(before).toContain('sport=40100');
    const server = Number(pinned[0]!.slice(1));
    const other = server === 1 ? 2 : 1;
    const cleaner = createConntrackNetlinkCleaner({ netns: lab.lbNs });
    const service = { vip: LAB.vip, port: PORT, protocol: 'udp' as const };

    const none = await cleaner.deleteUdpFlows([
      { service, address: LAB.server(other), port: PORT },
    ]);
    expect(none._unsafeUnwrap()).toBe(0);
    expect(await entries()).toHaveLength(1);

    const wrongPort = await cleaner.deleteUdpFlows([
      { service, address: LAB.server(server), port: PORT + 1 },
    ]);
    expect(wrongPort._unsafeUnwrap()).toBe(0);
    expect(await entries()).toHaveLength(1);

    const deleted = await cleaner.deleteUdpFlows([
      { service, address: LAB.server(server), port: PORT },
    ]);
    expect(deleted._unsafeUnwrap()).toBe(1);
    expect(await entries()).toEqual([]);
  });

  it('the backend cleans up through ctnetlink alone (no tool behind it): the flow moves at once', async () => {
    await backend.close({ keep: true });
    const transport = createDefaultTransport({
      netns: lab.lbNs,
      conntrackCleaner: 'netlink',
    })._unsafeUnwrap();
    backend = createNftablesBackend({ transport, driftCheckInterval: 0 })._unsafeUnwrap();
    (await backend.apply(udpState([1, 2])))._unsafeUnwrap();
    const spec = { mode: 'udp' as const, host: LAB.vip, port: PORT, count: 3, sourcePort: 40200 };
    const first = await lab.client(spec);
    const pinned = Object.keys(first.counts)[0]!;
    const remaining = pinned === 's1' ? 2 : 1;
    const report = (await backend.apply(udpState([remaining])))._unsafeUnwrap();
    expect(report.conntrackDeleted).toBe(1);
    expect(report.warnings).toEqual([]);
    const second = await lab.client(spec);
    expect(second.counts).toEqual({ [`s${remaining}`]: 3 });
  });
});
