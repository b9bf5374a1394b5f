#!/usr/bin/env node
// `nft-lb` on the PATH after `npm ci` (`npx nft-lb`, node_modules/.bin/nft-lb):
// runs the built program (examples/dist/nft-lb.js) when every package's build is
// up to date (scripts/build.mjs), else the sources through tsx, so it works
// right after `scripts/setup`, before any build, and never runs a stale build.
import { fileURLToPath } from 'node:url';

const { staleWorkspaces } = await import('../../scripts/build.mjs');
if (staleWorkspaces().length === 0) {
  await import('../dist/nft-lb.js');
} else {
  // tsx maps `@lbkit/*` to the packages' sources through the root tsconfig's paths.
  process.env['TSX_TSCONFIG_PATH'] ??= fileURLToPath(
    new URL('../../tsconfig.json', import.meta.url),
  );
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/nft-lb/main.ts');
}
