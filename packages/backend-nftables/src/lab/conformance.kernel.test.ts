import { NetnsLab, runBackendConformance } from '@lbkit/core/testing';
import { createNftablesBackend } from '../backend/backend.js';
import { parseObservedState } from '../read/parse-observed.js';
import { createLibnftablesTransport } from '../transport/libnftables.js';
import { createNftCliTransport } from '../transport/nft-cli.js';
import type { NftTransport } from '../transport/transport.js';
import { kernelSkip } from './kernel-env.js';

const skip = kernelSkip(['nft']);
let counter = 0;

/**
 * The core conformance suite against the real kernel, once per write path
 * (raw netlink batch, or nft text through each transport). Each
 * test gets a fresh namespace; the backend acts in it through the transport's
 * `netns` option; the suite reads back through a SEPARATE `nft -j list` CLI
 * transport (independent of libnftables and of the backend's own reader state).
 */
for (const [transportName, writePath] of [
  ['libnftables', 'netlink'],
  ['libnftables', 'nft'],
  ['nft-cli', 'nft'],
] as const) {
  runBackendConformance({
    name: `nftables on the kernel, writes via ${writePath === 'netlink' ? 'netlink' : transportName}`,
    skip,
    setup: async () => {
      const lab = new NetnsLab('lbkn');
      const netns = await lab.add(`conf${counter++}`);
      const transports: NftTransport[] = [];
      const reader = createNftCliTransport({ netns })._unsafeUnwrap();
      return {
        create: () => {
          const transport =
            transportName === 'libnftables'
              ? createLibnftablesTransport({ netns })._unsafeUnwrap()
              : createNftCliTransport({ netns })._unsafeUnwrap();
          transports.push(transport);
          return createNftablesBackend({
            transport,
            netns,
            writePath,
            driftCheckInterval: 0,
          })._unsafeUnwrap();
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
