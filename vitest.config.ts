import { defineConfig } from 'vitest/config';
import { workspaceAliases } from './vitest.shared.js';

export default defineConfig({
  resolve: { alias: workspaceAliases },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'examples/src/**/*.test.ts', 'scripts/**/*.test.ts'],
    exclude: ['**/*.vm.test.ts', '**/node_modules/**', '**/dist/**'],
    // Kernel tests share the host's network namespaces list: run files one by one.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
