// The npm registry reachable here serves only the linux-x64 builds of packages
// with per-platform optional dependencies (@biomejs/cli-*, @esbuild/*,
// @rollup/rollup-*): the other platforms answer 404. `npm install` then leaves
// them out of package-lock.json and `npm ci` refuses the lock ("Missing: ...").
// This adds a lock entry for every optional dependency that has none, with the
// version the parent pins, so `npm ci` accepts the lock; on this platform npm
// skips them (optional, other os/cpu). Run after `npm install`.
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const packages = lock.packages;
let added = 0;
for (const [key, entry] of Object.entries(packages)) {
  for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${key}/node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (packages[nested] || packages[hoisted]) continue;
    if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(spec)) continue;
    packages[hoisted] = { version: spec, ...(entry.dev ? { dev: true } : {}), optional: true };
    added++;
  }
}
const sorted = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)),
);
writeFileSync(path, `${JSON.stringify({ ...lock, packages: sorted }, null, 2)}\n`);
console.log(`lock: added ${added} optional platform entries`);
