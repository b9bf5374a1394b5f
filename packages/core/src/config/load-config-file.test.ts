import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { formatOf, loadConfigFile } from './load-config-file.js';

const dir = mkdtempSync(join(tmpdir(), 'lbkit-config-'));
const testdata = (name: string): string =>
  fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadConfigFile', () => {
  it('chooses the loader by extension', () => {
    expect(formatOf('a.json')).toBe('structured');
    expect(formatOf('/etc/lb/a.YAML')).toBe('structured');
    expect(formatOf('a.yml')).toBe('structured');
    expect(formatOf('nft_lb.rules')).toBe('rules');
    expect(formatOf('/etc/nft_lb.conf')).toBe('rules');
    expect(formatOf('rules')).toBe('rules');
  });

  it('loads the rules, YAML and JSON samples', async () => {
    expect((await loadConfigFile(testdata('nft_lb.rules')))._unsafeUnwrap()).toHaveLength(3);
    expect((await loadConfigFile(testdata('dns-cluster.yaml')))._unsafeUnwrap()).toHaveLength(3);
    expect((await loadConfigFile(testdata('web.json')))._unsafeUnwrap()).toHaveLength(2);
  });

  it('passes defaults and a forced format through', async () => {
    const path = join(dir, 'services.txt');
    writeFileSync(path, 'services: [{ name: a, vip: 192.0.2.1, port: 80 }]\n');
    const forced = await loadConfigFile(path, {
      format: 'structured',
      defaults: { scheduler: 'wlc' },
    });
    expect(forced._unsafeUnwrap()[0]?.scheduler).toBe('wlc');
    const asRules = await loadConfigFile(path);
    expect(asRules._unsafeUnwrapErr()[0]).toMatchObject({ kind: 'syntax', file: path, line: 1 });
  });

  it('names the file and line of a bad line', async () => {
    const issues = (await loadConfigFile(testdata('hostile.rules')))._unsafeUnwrapErr();
    expect(issues[0]).toMatchObject({ file: testdata('hostile.rules'), line: 2 });
  });

  it.each([
    ['a missing file', () => join(dir, 'missing.rules'), 'ENOENT'],
    ['a directory', () => dir, 'not a regular file'],
  ])('reports %s as an io issue', async (_label, path, reason) => {
    const issues = (await loadConfigFile(path()))._unsafeUnwrapErr();
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ kind: 'io', file: path(), path: '' });
    expect(issues[0]?.message).toContain(reason);
  });

  it('refuses a file over maxBytes', async () => {
    const path = join(dir, 'big.rules');
    writeFileSync(path, '#'.repeat(2000));
    const issues = (await loadConfigFile(path, { maxBytes: 1000 }))._unsafeUnwrapErr();
    expect(issues[0]).toMatchObject({
      kind: 'io',
      message: expect.stringContaining('more than the limit of 1000'),
    });
  });
});
