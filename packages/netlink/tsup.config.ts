import { defineConfig } from 'tsup';

// Built only so that the backends' declaration bundles can inline its types;
// the package itself is private and never published.
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm'],
  target: 'node20',
  dts: true,
  clean: true,
  sourcemap: true,
});
