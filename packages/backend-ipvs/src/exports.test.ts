import { describe, expect, it } from 'vitest';

/**
 * The public API by intent: the runtime names each entry point exports,
 * pinned. A new export (or a lost one) fails here until this list, the
 * package README and the reason for it agree. Types are not runtime names.
 */
describe('@lbkit/backend-ipvs exports', () => {
  it('@lbkit/backend-ipvs: 13 runtime exports (at most 30)', async () => {
    const api = await import('./index.js');
    expect(Object.keys(api).sort()).toEqual([
      'DEFAULT_IPVS_DRIFT_CHECK_INTERVAL',
      'IPVS_SCHEDULERS',
      'checkVipsLocal',
      'createFileOwnershipStore',
      'createIpvsBackend',
      'createIpvsClient',
      'createMemoryOwnershipStore',
      'defaultStateFile',
      'diff',
      'formatDestinationId',
      'formatOp',
      'formatServiceId',
      'toIpvsSnapshot',
    ]);
    expect(Object.keys(api).length).toBeLessThanOrEqual(30);
  });

  it('@lbkit/backend-ipvs/testing: 6 runtime exports (at most 30)', async () => {
    const api = await import('./testing/index.js');
    expect(Object.keys(api).sort()).toEqual([
      'IPVSADM',
      'KERNEL_SCHEDULERS',
      'createFakeIpvs',
      'createFakeNetlinkKernel',
      'ipvsadmList',
      'parseIpvsadmList',
    ]);
  });
});
