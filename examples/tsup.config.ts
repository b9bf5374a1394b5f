import { defineConfig } from 'tsup';

/** One bundle per program; `@lbkit/*` stay imports of the published packages. */
export default defineConfig({
  entry: {
    demo: 'src/demo/demo.ts',
    'demo-agent': 'src/demo/agent.ts',
    'name-server': 'src/lab/name-server.ts',
    'trace-client': 'src/trace/trace-client.ts',
    'nft-lb': 'src/nft-lb/main.ts',
    // Loaded by nft-lb.js after it has trapped signals (see src/nft-lb/main.ts).
    'nft-lb-cli': 'src/nft-lb/cli.ts',
    'dns-cluster': 'src/dns-cluster/main.ts',
    'http-cluster': 'src/http-cluster/main.ts',
    embed: 'src/embed/main.ts',
  },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  clean: true,
  sourcemap: true,
  splitting: false,
  // Installed for the workspace packages (probes, core); resolved from node_modules at run time.
  external: [/^@lbkit\//, 'dns-packet', 'neverthrow'],
});
