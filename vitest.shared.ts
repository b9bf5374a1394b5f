import { fileURLToPath } from 'node:url';

const src = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/** Resolve the workspace packages to their sources so tests need no build. */
export const workspaceAliases = [
  { find: /^@lbkit\/core\/testing$/, replacement: src('./packages/core/src/testing/index.ts') },
  { find: /^@lbkit\/core$/, replacement: src('./packages/core/src/index.ts') },
  { find: /^@lbkit\/netlink$/, replacement: src('./packages/netlink/src/index.ts') },
  { find: /^@lbkit\/probes$/, replacement: src('./packages/probes/src/index.ts') },
  {
    find: /^@lbkit\/backend-nftables\/testing$/,
    replacement: src('./packages/backend-nftables/src/testing/index.ts'),
  },
  {
    find: /^@lbkit\/backend-nftables$/,
    replacement: src('./packages/backend-nftables/src/index.ts'),
  },
  {
    find: /^@lbkit\/backend-ipvs\/testing$/,
    replacement: src('./packages/backend-ipvs/src/testing/index.ts'),
  },
  { find: /^@lbkit\/backend-ipvs$/, replacement: src('./packages/backend-ipvs/src/index.ts') },
  { find: /^@lbkit\/ha\/testing$/, replacement: src('./packages/ha/src/testing/index.ts') },
  { find: /^@lbkit\/ha$/, replacement: src('./packages/ha/src/index.ts') },
];
