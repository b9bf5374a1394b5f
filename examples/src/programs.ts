/**
 * How one example program starts another: from the built package
 * (`dist/NAME.js`) or, when running from sources (tests, `tsx`), from
 * `src/...ts` through the `tsx` loader, which resolves the workspace packages
 * to their sources through the root tsconfig's `paths`.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Every program of the examples package: its dist entry name and its source. */
export const PROGRAMS = {
  demo: 'demo/demo.ts',
  'demo-agent': 'demo/agent.ts',
  'name-server': 'lab/name-server.ts',
  'trace-client': 'trace/trace-client.ts',
  'nft-lb': 'nft-lb/main.ts',
  'dns-cluster': 'dns-cluster/main.ts',
  'http-cluster': 'http-cluster/main.ts',
  embed: 'embed/main.ts',
} as const;

/** A program name. */
export type ProgramName = keyof typeof PROGRAMS;

const here = dirname(fileURLToPath(import.meta.url));
const fromSources = import.meta.url.endsWith('.ts');

/** Directory of the examples package (`examples/`). */
export const EXAMPLES_DIR = resolve(here, '..');

if (fromSources && process.env['TSX_TSCONFIG_PATH'] === undefined) {
  // Children inherit it: tsx then maps `@lbkit/*` to the sources whatever the cwd.
  process.env['TSX_TSCONFIG_PATH'] = resolve(EXAMPLES_DIR, '..', 'tsconfig.json');
}

/**
 * The argv that runs program `name` with the current Node: `[node, dist/name.js]`
 * when built, `[node, --import, tsx, src/...ts]` from sources.
 */
export function programArgv(name: ProgramName): string[] {
  if (fromSources) {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    return [process.execPath, '--import', tsx, join(EXAMPLES_DIR, 'src', PROGRAMS[name])];
  }
  return [process.execPath, join(here, `${name}.js`)];
}

/** True when program `name` can be started (its built or source file exists). */
export const programExists = (name: ProgramName): boolean =>
  existsSync(programArgv(name).at(-1) ?? '');
