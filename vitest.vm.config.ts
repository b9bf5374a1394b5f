import { defineConfig } from 'vitest/config';
import { workspaceAliases } from './vitest.shared.js';

/** Tests that need IPVS: run inside the kernel VM (scripts/kernel-vm), all in one boot. */
export default defineConfig({
  resolve: { alias: workspaceAliases },
  test: {
    include: ['packages/*/src/**/*.vm.test.ts', 'examples/src/**/*.vm.test.ts'],
    fileParallelism: false,
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
