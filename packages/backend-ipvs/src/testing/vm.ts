/**
 * Shared setup for the IPVS tests that run inside the kernel VM
 * (`npm run test:vm`). Test-only; not exported from the package entry points.
 */
import { existsSync } from 'node:fs';
import { canUseNetns } from '@lbkit/core/testing';
import { IPVSADM } from './ipvsadm.js';

const onPath = (bin: string): boolean =>
  ['/usr/sbin/', '/usr/bin/', '/sbin/', '/bin/'].some((dir) => existsSync(dir + bin));

/** Why a VM test file skips, or `false`. Under CI=true inside the VM a missing tool fails instead. */
export function vmSkipReason(needs: readonly string[] = []): string | false {
  if (process.env.LBKIT_IN_VM !== '1') {
    return 'IPVS tests run inside the kernel VM: npm run test:vm (scripts/kernel-vm)';
  }
  const missing: string[] = [];
  if (!canUseNetns()) missing.push('root and iproute2 (ip netns)');
  if (IPVSADM === undefined) missing.push('ipvsadm');
  for (const bin of needs) if (!onPath(bin)) missing.push(bin);
  if (missing.length === 0) return false;
  if (process.env.CI === 'true')
    throw new Error(`IPVS VM tests need ${missing.join(', ')} (CI=true)`);
  return `needs ${missing.join(', ')}`;
}
