import { describe, expect, it } from 'vitest';

/**
 * The public API by intent: the runtime names each entry point exports,
 * pinned. A new export (or a lost one) fails here until this list, the
 * package README and the reason for it agree. Types are not runtime names.
 */
describe('@lbkit/ha exports', () => {
  it('@lbkit/ha: 14 runtime exports (at most 30)', async () => {
    const api = await import('./index.js');
    expect(Object.keys(api).sort()).toEqual([
      'CONNTRACKD_DEFAULTS',
      'HA_DEFAULTS',
      'HA_ROLES',
      'MAX_HA_FILE_BYTES',
      'conntrackdFiles',
      'createHa',
      'haFiles',
      'loadHaConfigFile',
      'parseHaConfig',
      'renderConntrackdConf',
      'renderHaMetrics',
      'renderKeepalivedConf',
      'trackFileText',
      'validateHaOptions',
    ]);
  });

  it('@lbkit/ha/testing: 6 runtime exports', async () => {
    const api = await import('./testing/index.js');
    expect(Object.keys(api).sort()).toEqual([
      'CONF_CASES',
      'FakeSystem',
      'PAIR',
      'PAIR_NODES',
      'PairLab',
      'createPairLab',
    ]);
  });
});
