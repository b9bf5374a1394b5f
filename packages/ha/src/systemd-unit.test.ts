import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONNTRACKD_DEFAULTS, conntrackdFiles, HA_DEFAULTS, haFiles } from './options.js';

const UNIT = fileURLToPath(new URL('../systemd/lbkit-keepalived.service', import.meta.url));
const text = readFileSync(UNIT, 'utf8');
const directive = (name: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith(`${name}=`))
    .map((l) => l.slice(name.length + 1));

describe('systemd/lbkit-keepalived.service', () => {
  it('runs keepalived VRRP-only in the foreground on the files lbkit uses by default', () => {
    const [exec] = directive('ExecStart');
    const argv = exec!.split(' ');
    const files = haFiles(HA_DEFAULTS.runDir);
    const argAfter = (flag: string) => argv[argv.indexOf(flag) + 1];
    expect(argv[0]).toBe(HA_DEFAULTS.binary);
    expect(argv).toEqual(expect.arrayContaining(['--dont-fork', '--vrrp']));
    expect([argAfter('-p'), argAfter('-r'), argAfter('-c')]).toEqual([
      files.pid,
      files.vrrpPid,
      files.checkersPid,
    ]);
    expect(directive('RuntimeDirectory')).toEqual([HA_DEFAULTS.runDir.replace(/^\/run\//, '')]);
    expect(directive('RuntimeDirectoryPreserve')).toEqual(['yes']);
    expect(directive('ExecStartPre')[0]).toBe(`${HA_DEFAULTS.binary} -t -f ${argAfter('-f')}`);
    expect(directive('Restart')).toEqual(['always']);
  });

  it.skipIf(!existsSync('/usr/bin/systemd-analyze'))('passes systemd-analyze verify', () => {
    const r = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8', timeout: 20_000 });
    expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('systemd/lbkit-conntrackd.service', () => {
  const unit = fileURLToPath(new URL('../systemd/lbkit-conntrackd.service', import.meta.url));
  const body = readFileSync(unit, 'utf8');
  const get = (name: string) =>
    body
      .split('\n')
      .filter((l) => l.startsWith(`${name}=`))
      .map((l) => l.slice(name.length + 1));

  it("runs conntrackd in the foreground on the rendered file, its lock removed first, in lbkit's run directory", () => {
    const [exec] = get('ExecStart');
    const argv = exec!.split(' ');
    expect(argv[0]).toBe(CONNTRACKD_DEFAULTS.binary);
    expect(argv).not.toContain('-d');
    expect(argv.slice(1)).toEqual(['-C', '/etc/lbkit/conntrackd.conf']);
    expect(get('ExecStartPre')).toEqual([`/bin/rm -f ${conntrackdFiles(HA_DEFAULTS.runDir).lock}`]);
    expect(get('ExecStop')).toEqual([`${exec} -k`]);
    expect(get('RuntimeDirectory')).toEqual([HA_DEFAULTS.runDir.replace(/^\/run\//, '')]);
    expect(get('Restart')).toEqual(['always']);
  });

  it.skipIf(!existsSync('/usr/bin/systemd-analyze'))('passes systemd-analyze verify', () => {
    const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8', timeout: 20_000 });
    expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
    expect(r.status).toBe(0);
  });
});
