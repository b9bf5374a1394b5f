// `npm run build`: builds (tsup) each workspace package whose build is missing or
// older than its sources, quietly: one line when it built something, the tools'
// output only when a build fails. `--force` builds every package.
//
// Usage: node scripts/build.mjs [--force]
// Exit status: 0 built or already fresh, 1 a build failed.
//
// The workspaces come from the root package.json (new packages need no edit
// here). A package is stale when any file of its src/ (tests and *.md aside),
// its package.json, tsup.config.ts or the root tsconfig.base.json is newer than
// the oldest file of its dist/, or dist/ is missing or empty.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Workspace directories (relative to the root) that have a `build` script. */
export function buildableWorkspaces(root = ROOT) {
  const { workspaces = [] } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return workspaces.filter((dir) => {
    const file = join(root, dir, 'package.json');
    return existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).scripts?.build;
  });
}

/** Calls `visit(path, mtimeMs)` for every file under `dir` that `keep` accepts. */
function walk(dir, keep, visit) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, keep, visit);
    else if (entry.isFile() && keep(path)) visit(path, statSync(path).mtimeMs);
  }
}

const isSource = (path) => !/\.test\.ts$|\.md$/.test(path);

/** The newest input of workspace `dir`: `{ path, mtimeMs }`. */
function newestInput(root, dir) {
  let newest = {
    path: join(root, 'tsconfig.base.json'),
    mtimeMs: statSync(join(root, 'tsconfig.base.json')).mtimeMs,
  };
  const consider = (path, mtimeMs) => {
    if (mtimeMs > newest.mtimeMs) newest = { path, mtimeMs };
  };
  walk(join(root, dir, 'src'), isSource, consider);
  for (const name of ['package.json', 'tsup.config.ts']) {
    const path = join(root, dir, name);
    if (existsSync(path)) consider(path, statSync(path).mtimeMs);
  }
  return newest;
}

/** The oldest file of workspace `dir`'s dist/, or undefined when there is none. */
function oldestOutput(root, dir) {
  let oldest;
  walk(
    join(root, dir, 'dist'),
    () => true,
    (_path, mtimeMs) => {
      if (oldest === undefined || mtimeMs < oldest) oldest = mtimeMs;
    },
  );
  return oldest;
}

/**
 * Workspaces whose build is missing or older than their sources, each with why.
 * @returns {{ dir: string, why: string }[]}
 */
export function staleWorkspaces(root = ROOT) {
  const stale = [];
  for (const dir of buildableWorkspaces(root)) {
    const built = oldestOutput(root, dir);
    if (built === undefined) {
      stale.push({ dir, why: 'not built' });
      continue;
    }
    const input = newestInput(root, dir);
    if (input.mtimeMs > built) stale.push({ dir, why: `${relative(root, input.path)} changed` });
  }
  return stale;
}

/** Builds `stale` (npm run build in each), the tools' output shown only if a build fails. */
function build(root, stale) {
  const dirs = stale.map((s) => s.dir);
  process.stderr.write(`build: ${stale.map((s) => `${s.dir} (${s.why})`).join(', ')} ...\n`);
  const started = performance.now();
  const args = ['run', 'build', '--silent', ...dirs.flatMap((dir) => ['-w', dir])];
  const result = spawnSync('npm', args, { cwd: root, encoding: 'utf8' });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
    process.stderr.write(`build: npm ${args.join(' ')} failed (status ${result.status})\n`);
    return false;
  }
  process.stderr.write(`build: done in ${seconds} s\n`);
  return true;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const force = process.argv.includes('--force');
  const stale = force
    ? buildableWorkspaces().map((dir) => ({ dir, why: '--force' }))
    : staleWorkspaces();
  if (stale.length > 0 && !build(ROOT, stale)) process.exit(1);
}
