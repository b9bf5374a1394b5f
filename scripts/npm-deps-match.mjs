// Exit 0 when node_modules holds what package-lock.json asks for, 1 when not
// (scripts/setup then runs npm ci). Compares the lock's packages with npm's own
// record of what it installed (node_modules/.package-lock.json), by path and
// version; optional packages npm skipped (other platforms) may be absent.
// Content, not mtimes: `npm run lock` rewrites the lock after installing.
import { existsSync, readFileSync } from 'node:fs';

const read = (path) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')).packages;
if (!existsSync(new URL('../node_modules/.package-lock.json', import.meta.url))) process.exit(1);
const wanted = read('../package-lock.json');
const installed = read('../node_modules/.package-lock.json');
const mismatch = Object.entries(wanted).some(([path, entry]) => {
  if (!path.startsWith('node_modules/')) return false; // the root and the workspaces themselves
  const have = installed[path];
  return have === undefined ? !entry.optional : have.version !== entry.version;
});
process.exit(mismatch ? 1 : 0);
