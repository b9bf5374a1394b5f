import { describe, expect, it } from 'vitest';

/**
 * The public API by intent: the runtime names each entry point exports,
 * pinned. A new export (or a lost one) fails here until this list, the
 * package README and the reason for it agree. Types are not runtime names.
 */
describe('@lbkit/backend-nftables exports', () => {
  it('@lbkit/backend-nftables: 16 runtime exports (at most 30)', async () => {
    const api = await import('./index.js');
    expect(Object.keys(api).sort()).toEqual([
      'DEFAULT_DRIFT_CHECK_INTERVAL',
      'DEFAULT_TABLE',
      'TABLE_COMMENT',
      'createDefaultTransport',
      'createLibnftablesTransport',
      'createNetlinkTransport',
      'createNftCliTransport',
      'createNftablesBackend',
      'printCommands',
      'rememberClient',
      'renderChanges',
      'renderRuleset',
      'renderTakeoverGuard',
      'trace',
      'traceState',
      'withFallback',
    ]);
    expect(Object.keys(api).length).toBeLessThanOrEqual(30);
  });

  it('@lbkit/backend-nftables/testing: 9 runtime exports (at most 30)', async () => {
    const api = await import('./testing/index.js');
    expect(Object.keys(api).sort()).toEqual([
      'A',
      'B',
      'C',
      'FakeNft',
      'dest',
      'state',
      'svc',
      'web',
      'withoutEmptyShards',
    ]);
  });
});
