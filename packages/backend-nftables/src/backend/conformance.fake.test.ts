import type { ObservedService, ObservedState } from '@lbkit/core';
import { runBackendConformance } from '@lbkit/core/testing';
import { MAP, TABLE_FAMILY } from '../names.js';
import { FakeNft } from '../testing/fake-nft.js';
import type { NftState } from '../trace/state.js';
import { traceState } from '../trace/tracer.js';
import { createNftablesBackend } from './backend.js';

/**
 * Where packets to each service of the table can go, asked of the tracer
 * (kube-proxy style): a reader that shares nothing with the write path (not
 * the renderer, not the fake's own `read()`). Only the dispatch maps' keys are
 * read, to know which services to ask about.
 */
function traced(state: NftState, table: string): ObservedState {
  const t = state.tables.get(`${TABLE_FAMILY} ${table}`);
  const services: ObservedService[] = [];
  for (const family of [4, 6] as const) {
    for (const key of t?.maps.get(MAP.services[family])?.elements.keys() ?? []) {
      const [vip, protocol, port] = key.split(' . ') as [string, 'tcp' | 'udp', string];
      const saddr = family === 4 ? '203.0.113.2' : '2001:db8:c::2';
      const packet = { family, saddr, daddr: vip, protocol, dport: Number(port) };
      const result = traceState(state, packet)._unsafeUnwrap();
      const destinations =
        result.verdict === 'dnat'
          ? [...result.destinations].map((d) => {
              const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(d)!;
              return { address: m[1]!, port: Number(m[2]), weight: 1 };
            })
          : [];
      services.push({ key: { vip, port: Number(port), protocol }, destinations });
    }
  }
  return { services };
}

runBackendConformance({
  name: 'nftables on FakeNft (read back by tracing packets)',
  setup: () => {
    const fake = new FakeNft();
    return {
      create: () => createNftablesBackend({ transport: fake })._unsafeUnwrap(),
      read: async () => traced(fake.state, fake.table),
    };
  },
});
