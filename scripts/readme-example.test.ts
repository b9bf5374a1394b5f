/**
 * The README's usage example, as written, against the workspace's sources
 * (tsx resolves `@lbkit/*` through the root tsconfig's paths); see
 * scripts/test-support/readme-example.ts for the scenario.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeReadmeExample, readmeExample } from './test-support/readme-example.js';

const root = fileURLToPath(new URL('..', import.meta.url));

describeReadmeExample('README usage example (root, network namespaces)', 'lbkr', () => {
  mkdirSync(`${root}/.cache`, { recursive: true });
  writeFileSync(`${root}/.cache/readme-example.mts`, readmeExample());
  return { argv: ['node', '--import', 'tsx', '.cache/readme-example.mts'], cwd: root };
});
