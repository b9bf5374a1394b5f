import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectGolden } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANGES, type ChangeCase, FULL, type FullCase } from '../testing/golden-cases.js';
import { renderChanges } from './changes.js';
import { renderRuleset } from './ruleset.js';

const TESTDATA = fileURLToPath(new URL('./testdata/', import.meta.url));

const golden = (name: string, actual: string): void =>
  expectGolden(join(TESTDATA, `${name}.nft`), actual, 'UPDATE=1 npx vitest run src/render');

const full = (c: FullCase): string => renderRuleset(c.desired, c.options)._unsafeUnwrap();
const change = (c: ChangeCase): string =>
  renderChanges(c.previous, c.next, c.options)._unsafeUnwrap();

describe('golden rulesets', () => {
  for (const c of FULL) it(c.name, () => golden(c.name, full(c)));
  for (const c of CHANGES) it(c.name, () => golden(c.name, change(c)));
});

// ---- the real parser: nft -c inside a throwaway network namespace ----

const run = (args: string[]): { status: number | null; stderr: string; stdout: string } => {
  const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stderr: r.stderr ?? '', stdout: r.stdout ?? '' };
};
const isRoot = process.getuid?.() === 0;
const hasNft = run(['nft', '--version']).status === 0;
const canCheck = isRoot && hasNft;
if (!canCheck) {
  const why = isRoot ? 'nft not found' : 'not root';
  if (process.env['CI'] === 'true') throw new Error(`golden nft check needs root and nft (${why})`);
  console.warn(`skipping nft -c golden checks: ${why}`);
}

describe.skipIf(!canCheck)('goldens pass the real parser (nft -c in a netns)', () => {
  const ns = `lbkn-golden-${process.pid}`;
  let dir = '';
  const nft = (...args: string[]) => run(['ip', 'netns', 'exec', ns, 'nft', ...args]);
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lbkn-golden-'));
    const r = run(['ip', 'netns', 'add', ns]);
    if (r.status !== 0) throw new Error(`ip netns add ${ns}: ${r.stderr}`);
  });
  afterAll(() => {
    run(['ip', 'netns', 'delete', ns]);
    rmSync(dir, { recursive: true, force: true });
  });

  for (const c of FULL) {
    it(`nft -c accepts ${c.name}`, () => {
      const r = nft('-c', '-f', file(`${c.name}.nft`, full(c)));
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    });
  }

  for (const c of CHANGES) {
    it(`${c.name} applies and equals the full next ruleset`, () => {
      expect(nft('flush', 'ruleset').status).toBe(0);
      const prev = nft(
        '-f',
        file('prev.nft', renderRuleset(c.previous, c.options)._unsafeUnwrap()),
      );
      expect(prev.stderr).toBe('');
      const delta = file(`${c.name}.nft`, change(c));
      const checked = nft('-c', '-f', delta);
      expect(checked.stderr).toBe('');
      expect(nft('-f', delta).status).toBe(0);
      const incremental = nft('list', 'ruleset').stdout;
      expect(
        nft('-f', file('next.nft', renderRuleset(c.next, c.options)._unsafeUnwrap())).status,
      ).toBe(0);
      const fresh = nft('list', 'ruleset').stdout;
      // Slot map shards are never deleted by a change (others may share
      // them): an empty one left behind is not a difference.
      const norm = (s: string) =>
        s
          .replace(/\n\tmap slots[46]_(tcp|udp)_\d+ \{\n\t\t[^\n]*\n\t\}\n/g, '\n')
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l !== '')
          .sort()
          .join('\n');
      expect(norm(incremental)).toBe(norm(fresh));
    });
  }

  it('a full ruleset replaces an earlier table in one transaction', () => {
    const path = file('twice.nft', full(FULL[0]!));
    expect(nft('-f', path).status).toBe(0);
    expect(nft('-f', path).status).toBe(0);
    expect(nft('list', 'chain', 'inet', 'lbkit', 'svc_web').status).toBe(0);
  });
});
