import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canUseNetns, expectGolden } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderTakeoverGuard } from './takeover-guard.js';

const TESTDATA = fileURLToPath(new URL('./testdata/', import.meta.url));
const options = {
  table: 'lbkit_guard',
  vips: ['203.0.113.10', '2001:db8::10', '203.0.113.10'],
  from: ['198.51.100.0/24', '2001:db8:1::0/64'],
};

describe('takeover guard', () => {
  it('golden: install (armed), arm, disarm, remove', () => {
    const s = renderTakeoverGuard(options)._unsafeUnwrap();
    expectGolden(
      join(TESTDATA, 'takeover-guard.nft'),
      [s.install, '# arm\n', s.arm, '# disarm\n', s.disarm, '# remove\n', s.remove].join(''),
      'UPDATE=1 npx vitest run src/render',
    );
  });

  it('golden with udp: UDP rules and both protocols in the arming element', () => {
    const s = renderTakeoverGuard({ ...options, udp: true })._unsafeUnwrap();
    expectGolden(
      join(TESTDATA, 'takeover-guard-udp.nft'),
      [s.install, '# arm\n', s.arm, '# disarm\n', s.disarm, '# remove\n', s.remove].join(''),
      'UPDATE=1 npx vitest run src/render',
    );
  });

  it('installed disarmed when asked; hostile names and addresses are refused', () => {
    expect(renderTakeoverGuard({ ...options, armed: false })._unsafeUnwrap().install).not.toMatch(
      /elements = \{ tcp \}/,
    );
    for (const bad of [
      { ...options, table: 'x; flush ruleset' },
      { ...options, vips: ['203.0.113.10 }; flush ruleset; {'] },
      { ...options, from: ['198.51.100.0/33'] },
      { ...options, vips: [] },
    ]) {
      expect(renderTakeoverGuard(bad).isErr()).toBe(true);
    }
  });
});

const skip = canUseNetns() ? '' : 'needs root and ip netns';
const nft = (ns: string, script: string) =>
  spawnSync('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: script, encoding: 'utf8' });

describe.skipIf(skip !== '')('takeover guard in the kernel (nft 1.0)', () => {
  const ns = `lbkn${process.pid}-guard`;
  beforeAll(() => {
    expect(spawnSync('ip', ['netns', 'add', ns]).status).toBe(0);
  });
  afterAll(() => {
    spawnSync('ip', ['netns', 'del', ns]);
  });

  it('installs twice (idempotent), flips with one element, disarms twice, removes', () => {
    const s = renderTakeoverGuard(options)._unsafeUnwrap();
    const list = () =>
      spawnSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'set', 'inet', 'lbkit_guard', 'armed'], {
        encoding: 'utf8',
      }).stdout;
    for (const script of [s.install, s.install]) expect(nft(ns, script).status).toBe(0);
    expect(list()).toMatch(/elements = \{ tcp \}/);
    for (const script of [s.disarm, s.disarm]) expect(nft(ns, script).stderr).toBe('');
    expect(list()).not.toMatch(/elements/);
    expect(nft(ns, s.arm).status).toBe(0);
    expect(list()).toMatch(/elements = \{ tcp \}/);
    expect(nft(ns, s.remove).status).toBe(0);
    expect(nft(ns, s.remove).status).toBe(0);
    expect(list()).toBe('');
  });

  it('with udp: the kernel takes it, arms both protocols, disarms both', () => {
    const s = renderTakeoverGuard({ ...options, udp: true })._unsafeUnwrap();
    const list = () =>
      spawnSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'set', 'inet', 'lbkit_guard', 'armed'], {
        encoding: 'utf8',
      }).stdout;
    expect(nft(ns, s.install).stderr).toBe('');
    expect(list()).toMatch(/elements = \{ tcp, udp \}/);
    expect(nft(ns, s.disarm).stderr).toBe('');
    expect(list()).not.toMatch(/elements/);
    expect(nft(ns, s.arm).stderr).toBe('');
    expect(list()).toMatch(/elements = \{ tcp, udp \}/);
    expect(nft(ns, s.remove).status).toBe(0);
  });
});
