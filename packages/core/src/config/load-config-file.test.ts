import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { formatConfigIssue } from '../validate/issue.js';
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
    ['a missing file', () => join(dir, 'missing.rules'), 'ENOENT: no such file or directory'],
    ['a directory', () => dir, 'a directory, not a regular file'],
    ['/dev/zero', () => '/dev/zero', 'a character device, not a regular file'],
    ['/dev/null', () => '/dev/null', 'a character device, not a regular file'],
  ])('reports %s as an io issue', async (_label, path, reason) => {
    const issues = (await loadConfigFile(path()))._unsafeUnwrapErr();
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ kind: 'io', file: path(), path: '' });
    expect(formatConfigIssue(issues[0]!)).toBe(`${path()}: cannot read the file: ${reason}`);
  });

  it('refuses a FIFO without waiting for a writer', async () => {
    const fifo = join(dir, 'rules.fifo');
    execFileSync('mkfifo', [fifo]);
    const started = performance.now();
    const issues = (await loadConfigFile(fifo))._unsafeUnwrapErr();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(issues[0]?.message).toBe('cannot read the file: a FIFO, not a regular file');
  });

  it('never throws for odd arguments', async () => {
    expect((await loadConfigFile(testdata('nft_lb.rules'), null as never)).isOk()).toBe(true);
    expect((await loadConfigFile(42 as never))._unsafeUnwrapErr()[0]?.kind).toBe('io');
  });

  it.each([
    ['an empty rules file', 'empty.rules', ''],
    ['a rules file of comments', 'comments.rules', '# nothing yet\n'],
    ['an empty YAML list', 'empty.yaml', 'services: []\n'],
    ['an empty YAML file', 'blank.yaml', '\n'],
  ])('refuses %s unless allowIncomplete', async (_label, name, text) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    const [issue] = (await loadConfigFile(path))._unsafeUnwrapErr();
    expect(issue).toMatchObject({ kind: 'incomplete', file: path });
    expect((await loadConfigFile(path, { allowIncomplete: true }))._unsafeUnwrap()).toEqual([]);
  });

  it('refuses a file cut in the middle of its last line unless allowIncomplete', async () => {
    const path = join(dir, 'cut.rules');
    // A half-written "198.51.100.12": the address is valid, just the wrong one.
    writeFileSync(
      path,
      'smtp|192.0.2.25|25|mx1|198.51.100.11\nsmtp|192.0.2.25|25|mx2|198.51.100.1',
    );
    const issues = (await loadConfigFile(path))._unsafeUnwrapErr();
    expect(issues.map(formatConfigIssue)).toEqual([
      `${path}:2: line 2, the last, has no line end: the file may be cut short (half-written); applying it would remove services, so it is refused unless explicitly allowed`,
    ]);
    const allowed = (await loadConfigFile(path, { allowIncomplete: true }))._unsafeUnwrap();
    expect(allowed[0]?.destinations).toHaveLength(2);
    const json = join(dir, 'tight.json');
    writeFileSync(json, JSON.stringify({ services: [{ name: 'a', vip: '192.0.2.1', port: 80 }] }));
    expect((await loadConfigFile(json))._unsafeUnwrap()).toHaveLength(1);
  });

  it('refuses a file over maxBytes', async () => {
    const path = join(dir, 'big.rules');
    writeFileSync(path, '#'.repeat(2000));
    const issues = (await loadConfigFile(path, { maxBytes: 1000 }))._unsafeUnwrapErr();
    expect(issues[0]).toMatchObject({
      kind: 'io',
      message: 'cannot read the file: the file is 2000 bytes, more than the limit of 1000',
    });
  });
});
