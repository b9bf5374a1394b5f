import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
  format: ['esm'],
  target: 'node20',
  // @lbkit/netlink is internal (not published): its code and types are bundled in.
  noExternal: ['@lbkit/netlink'],
  // (no tsconfig paths here: they would make the declaration build skip it)
  dts: { resolve: [/^@lbkit\/netlink$/], compilerOptions: { paths: {} } },
  clean: true,
  sourcemap: true,
});
