/**
 * `npm run bench`: runs every package's benchmark module and prints its tables.
 * Each module (packages/<pkg>/bench/index.ts) exports `bench(): AsyncIterable<BenchTable>`
 * and measures our path beside the naive one in the same run.
 * Usage: npm run bench [-- <package-filter>]
 */
import { type BenchTable, formatTable } from './bench-table.js';

interface BenchModule {
  readonly bench: () => AsyncIterable<BenchTable>;
}

const suites: Record<string, () => Promise<BenchModule>> = {
  probes: () => import('../packages/probes/bench/index.js'),
  'backend-nftables': () => import('../packages/backend-nftables/bench/index.js'),
  'backend-ipvs': () => import('../packages/backend-ipvs/bench/index.js'),
  examples: () => import('../examples/bench/index.js'),
  ha: () => import('../packages/ha/bench/index.js'),
};

const filter = process.argv[2];
for (const [name, load] of Object.entries(suites)) {
  if (filter && !name.includes(filter)) continue;
  console.log(`\n# ${name}\n`);
  try {
    const module = await load();
    for await (const table of module.bench()) console.log(`${formatTable(table)}\n`);
  } catch (error) {
    console.log(`(${name}: benchmark not run: ${(error as Error).message})\n`);
    // A table that could not be measured is a failure, not a quiet gap.
    process.exitCode = 1;
  }
}
