/**
 * lbkit as users get it. Every published workspace package (read from the root
 * package.json, so new packages are covered without an edit here) is built if
 * stale and packed with `npm pack`; publint (strict) and arethetypeswrong (ESM
 * only: lbkit publishes ESM) must find nothing. The tarballs are installed into
 * an empty project under the temp directory (no workspace links; the other
 * dependencies from the npm cache or registry.npmjs.org), where the README's
 * TypeScript example typechecks under strict settings and runs (root: in
 * network namespaces with real traffic), and scripts/consumer/*.test.ts, which
 * unit-tests rule generation offline, passes under that project's own vitest.
 * Every package also declares each package it imports, and what its dist/
 * imports is a dependency or a peer, not a devDependency.
 */
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeReadmeExample, readmeExample } from './test-support/readme-example.js';

const execFileAsync = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const workspaces = readJson<{ workspaces: string[] }>(join(root, 'package.json')).workspaces;
const manifest = (dir: string) => readJson<PackageJson>(join(root, dir, 'package.json'));
const published = workspaces.filter((dir) => !manifest(dir).private);

/** Runs a command; rejects with its output when it fails. */
async function run(cmd: string, args: readonly string[], cwd: string, env = process.env) {
  try {
    return await execFileAsync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${cmd} ${args.join(' ')} (in ${cwd}) failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`,
    );
  }
}

/** Bare package names imported by a module's text (static, dynamic, side-effect and re-exports). */
function importedPackages(text: string): string[] {
  const specs = [
    ...text.matchAll(/(?:^|[\s;}])(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g),
    ...text.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g),
    ...text.matchAll(/(?:^|[\s;])import\s*['"]([^'"]+)['"]/g),
  ].map((m) => m[1] ?? '');
  return specs
    .filter((s) => s !== '' && !s.startsWith('.') && !s.startsWith('/') && !s.startsWith('node:'))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : (s.split('/')[0] ?? s)))
    .filter((name) => !builtinModules.includes(name));
}

/** Every file under `dir` whose name matches `pattern` (node_modules and dist aside unless asked). */
function filesUnder(dir: string, pattern: RegExp, skip = /^(node_modules|dist)$/): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!skip.test(entry.name)) out.push(...filesUnder(join(dir, entry.name), pattern, skip));
    } else if (pattern.test(entry.name)) out.push(join(dir, entry.name));
  }
  return out;
}

describe('the workspace packages declare what they import', () => {
  it.each(workspaces)('%s: every bare import is in its package.json', (dir) => {
    const pkg = manifest(dir);
    const declared = new Set([
      pkg.name,
      ...Object.keys({
        ...pkg.dependencies,
        ...pkg.devDependencies,
        ...pkg.peerDependencies,
        ...pkg.optionalDependencies,
      }),
    ]);
    const undeclared = filesUnder(join(root, dir), /\.(m?[jt]s)$/).flatMap((file) =>
      importedPackages(readFileSync(file, 'utf8'))
        .filter((name) => !declared.has(name))
        .map((name) => `${name} (imported by ${file.slice(root.length)})`),
    );
    expect(undeclared).toEqual([]);
  });
});

describe('the packages as npm packs them, installed outside the repository', () => {
  let tmp: string;
  let consumer: string;
  const tarballs = new Map<string, string>();

  beforeAll(async () => {
    await run(process.execPath, [join(root, 'scripts', 'build.mjs')], root);
    tmp = mkdtempSync(join(tmpdir(), 'lbkit-packages-'));
    const { stdout } = await run(
      'npm',
      ['pack', '--json', '--pack-destination', tmp, ...published.flatMap((dir) => ['-w', dir])],
      root,
    );
    for (const packed of JSON.parse(stdout) as { name: string; filename: string }[]) {
      tarballs.set(packed.name, join(tmp, packed.filename));
    }
    consumer = join(tmp, 'consumer');
    mkdirSync(consumer);
    writeFileSync(
      join(consumer, 'package.json'),
      `${JSON.stringify({ name: 'lbkit-consumer', private: true, type: 'module' }, null, 2)}\n`,
    );
    // The tools at the versions this repository uses (already in the npm cache).
    const tools = ['vitest', 'typescript', '@types/node', 'tsx'].map(
      (name) =>
        `${name}@${readJson<PackageJson>(join(root, 'node_modules', name, 'package.json')).version}`,
    );
    await run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--loglevel=error',
        ...tarballs.values(),
        ...tools,
      ],
      consumer,
    );
  }, 300_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('packs every published workspace package', () => {
    expect([...tarballs.keys()].sort()).toEqual(published.map((dir) => manifest(dir).name).sort());
  });

  it.each(published)('%s: publint (strict) finds nothing', async (dir) => {
    const { stdout } = await run(
      join(root, 'node_modules/.bin/publint'),
      ['run', tarballs.get(manifest(dir).name) ?? '', '--strict'],
      root,
    );
    expect(stdout).toContain('All good!');
  });

  it.each(published)('%s: arethetypeswrong (ESM only) finds nothing', async (dir) => {
    const tgz = tarballs.get(manifest(dir).name) ?? '';
    const attw = join(root, 'node_modules/.bin/attw');
    // Exit status 0 under the profile; the JSON lists every problem, the ones the profile ignores too.
    const { stdout } = await run(attw, [tgz, '--profile', 'esm-only', '--format', 'json'], root);
    // problems: { [kind]: [{ kind, entrypoint, resolutionKind }] }
    const { problems = {} } = JSON.parse(stdout) as {
      problems?: Record<string, { entrypoint?: string; resolutionKind?: string }[]>;
    };
    const ignoredByProfile = new Set(['node10', 'node16-cjs']);
    const found = Object.values(problems)
      .flat()
      .filter((p) => !ignoredByProfile.has(p.resolutionKind ?? ''));
    expect(found).toEqual([]);
  });

  it.each(published)('%s: what dist/ imports is a dependency or a peer', (dir) => {
    const pkg = manifest(dir);
    const runtime = new Set([
      pkg.name,
      ...Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies }),
    ]);
    const installed = join(consumer, 'node_modules', pkg.name, 'dist');
    const wrong = filesUnder(installed, /\.(js|d\.ts)$/, /^node_modules$/).flatMap((file) =>
      importedPackages(readFileSync(file, 'utf8'))
        .filter((name) => !runtime.has(name) && !name.startsWith('@types/'))
        .map((name) => `${name} (imported by ${file.slice(installed.length)})`),
    );
    expect(wrong).toEqual([]);
  });

  it('the README example typechecks against the installed types (strict, NodeNext, libs checked)', async () => {
    writeFileSync(join(consumer, 'example.ts'), readmeExample());
    copyConsumerTests(consumer);
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          types: ['node'],
          skipLibCheck: false,
          noEmit: true,
        },
        include: ['*.ts'],
      }),
    );
    await run(join(consumer, 'node_modules/.bin/tsc'), ['-p', '.'], consumer);
  }, 120_000);

  it('unit-tests rule generation offline with its own vitest', async () => {
    copyConsumerTests(consumer);
    const { stdout } = await run(
      join(consumer, 'node_modules/.bin/vitest'),
      ['run', '--reporter=json'],
      consumer,
      {
        ...process.env,
        CI: 'true',
      },
    );
    const report = JSON.parse(stdout) as {
      numPassedTests: number;
      numFailedTests: number;
      success: boolean;
    };
    expect(report.success).toBe(true);
    expect(report.numFailedTests).toBe(0);
    expect(report.numPassedTests).toBeGreaterThan(0);
  }, 120_000);

  describeReadmeExample(
    'the README example, run from the installed tarballs (root)',
    'lbkt',
    () => {
      writeFileSync(join(consumer, 'example.ts'), readmeExample());
      // A user's environment: nothing maps @lbkit/* to this repository's sources.
      const env = { ...process.env };
      delete env['TSX_TSCONFIG_PATH'];
      return { argv: ['node', '--import', 'tsx', 'example.ts'], cwd: consumer, env };
    },
  );
});

/** Copies scripts/consumer/*.test.ts into the consumer project. */
function copyConsumerTests(consumer: string): void {
  for (const file of filesUnder(join(root, 'scripts', 'consumer'), /\.test\.ts$/)) {
    copyFileSync(file, join(consumer, file.split('/').at(-1) ?? 'consumer.test.ts'));
  }
}
