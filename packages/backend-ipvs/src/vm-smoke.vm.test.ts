/**
 * Smoke test for `scripts/kernel-vm`: proves the guest boots a kernel with IPVS,
 * that the host's `ipvsadm` drives it, and that IPVS state stays inside the
 * namespace that made it. Runs only inside the VM (`LBKIT_IN_VM=1`):
 * `npm run test:vm`, or
 * `scripts/kernel-vm -- ./node_modules/.bin/vitest run --config vitest.vm.config.ts packages/backend-ipvs/src/vm-smoke.vm.test.ts`.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { canUseNetns, NetnsLab } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const execFileAsync = promisify(execFile);
const IPVSADM = ['/usr/sbin/ipvsadm', '/sbin/ipvsadm'].find((p) => existsSync(p));

/** Why this file skips, or `false`; under CI=true inside the VM a missing tool fails instead. */
function skipReason(): string | false {
  if (process.env.LBKIT_IN_VM !== '1') {
    return 'IPVS tests run inside the kernel VM: npm run test:vm (scripts/kernel-vm)';
  }
  const missing = !canUseNetns()
    ? 'root and iproute2 (ip netns)'
    : IPVSADM === undefined
      ? 'ipvsadm (Debian package ipvsadm)'
      : undefined;
  if (missing === undefined) return false;
  if (process.env.CI === 'true') throw new Error(`the VM smoke test needs ${missing} (CI=true)`);
  return `the VM smoke test needs ${missing}`;
}

const skip = skipReason();

describe.skipIf(skip)(`kernel VM smoke test${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const lab = new NetnsLab('lbkv');
  const role = 'smoke';
  const ipvsadm = IPVSADM ?? 'ipvsadm';

  beforeAll(async () => {
    await lab.add(role);
  });
  afterAll(async () => {
    await lab.destroy();
  });

  it('boots a kernel that has IPVS loaded', () => {
    expect(existsSync('/proc/net/ip_vs')).toBe(true);
    expect(readFileSync('/proc/modules', 'utf8')).toMatch(/^ip_vs_rr /m);
  });

  it('adds a virtual service and a real server with ipvsadm and lists them back', async () => {
    await lab.exec(role, [ipvsadm, '-A', '-t', '192.0.2.1:80', '-s', 'rr']);
    await lab.exec(role, [ipvsadm, '-a', '-t', '192.0.2.1:80', '-r', '198.51.100.2:80', '-m']);
    const { stdout } = await lab.exec(role, [ipvsadm, '-Ln']);
    expect(stdout).toMatch(/^TCP\s+192\.0\.2\.1:80 rr\s*$/m);
    expect(stdout).toMatch(/^\s+->\s+198\.51\.100\.2:80\s+Masq\s+1\s+0\s+0\s*$/m);
  });

  it('keeps the service inside its namespace: the VM root namespace does not see it', async () => {
    const { stdout } = await execFileAsync(ipvsadm, ['-Ln'], { encoding: 'utf8' });
    expect(stdout).not.toContain('192.0.2.1:80');
  });
});
