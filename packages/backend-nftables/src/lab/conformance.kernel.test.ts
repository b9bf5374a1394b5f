import { NetnsLab, runBackendConformance } from '@lbkit/core/testing';
import { createNftablesBackend } from '../backend/backend.js';
import { parseObservedState } from '../read/parse-observed.js';
import { createDefaultTransport } from '../transport/default-transport.js';
import { openNftCli } from '../transport/nft-cli.js';
import { createLibnftablesTransport, createNftCliTransport } from '../transport/text-transport.js';
import type { NftTransport } from '../transport/transport.js';
import { kernelSkip } from './kernel-env.js';

const skip = kernelSkip(['nft']);
let counter = 0;

/**
 * The core conformance suite against the real kernel, once per write path
 * (the default raw netlink batch, or nft text through each text transport). Each
 * test gets a fresh namespace; the backend acts in it through the transport's
 * `netns` option; the suite reads back through a SEPARATE `nft -j list` CLI
 * transport (independent of libnftables and of the backend's own reader state).
 */
const makers = {
  netlink: (netns: string) => createDefaultTransport({ netns }),
  libnftables: (netns: string) => createLibnftablesTransport({ netns }),
  'nft-cli': (netns: string) => createNftCliTransport({ netns }),
} as const;

for (const [path, make] of Object.entries(makers)) {
  runBackendConformance({
    name: `nftables on the kernel, writes via ${path}`,
    skip,
    setup: async () => {
      const lab = new NetnsLab('lbkn');
      const netns = await lab.add(`conf${counter++}`);
      const transports: NftTransport[] = [];
      const reader = openNftCli({ netns })._unsafeUnwrap();
      return {
        create: () => {
          const transport = make(netns)._unsafeUnwrap();
          transports.push(transport);
          return createNftablesBackend({ transport })._unsafeUnwrap();
        },
        read: async () => {
          const doc = await reader.json('list table inet lbkit');
          if (doc.isErr()) {
            if (/No such file/.test(doc.error.message)) return { services: [] };
            throw new Error(doc.error.message);
          }
          return parseObservedState(doc.value)._unsafeUnwrap();
        },
        destroy: async () => {
          for (const t of transports) t.close();
          reader.close();
          await lab.destroy();
        },
      };
    },
  });
}
