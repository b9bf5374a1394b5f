/**
 * Entry point run inside the kernel VM by `index.ts`:
 * `scripts/kernel-vm -- node --import tsx packages/backend-ipvs/bench/run.ts`.
 * Prints each table as one JSON line prefixed with `@@lbkit-bench ` for the host to relay.
 */
import { ipvsBench } from './ipvs-bench.js';

for await (const table of ipvsBench()) console.log(`@@lbkit-bench ${JSON.stringify(table)}`);
