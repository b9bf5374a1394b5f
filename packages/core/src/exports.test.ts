import { describe, expect, it } from 'vitest';

/**
 * The public API by intent: the runtime names each entry point exports,
 * pinned. A new export (or a lost one) fails here until this list, the
 * package README and the reason for it agree. Types are not runtime names.
 */
describe('@lbkit/core exports', () => {
  it('@lbkit/core: 41 runtime exports', async () => {
    const api = await import('./index.js');
    expect(Object.keys(api).sort()).toEqual([
      'CONFIG_KEYS',
      'DEFAULT_HEALTH',
      'DEFAULT_MAX_CONFIG_BYTES',
      'MAX_ALIASES',
      'MAX_DURATION_MS',
      'MAX_PERSISTENCE_S',
      'MAX_PROBE_TEXT',
      'NAME_PATTERN',
      'PROBE_KINDS',
      'RULES_FIELDS',
      'SCHEDULERS',
      'addressProblem',
      'applyServiceDefaults',
      'backendError',
      'configIssue',
      'createBalancer',
      'createReconciler',
      'formatConfigIssue',
      'formatIpv4',
      'formatIpv6',
      'formatOf',
      'formatPath',
      'formatServiceKey',
      'isDnsName',
      'isHeaderToken',
      'isValidName',
      'loadConfigFile',
      'parseAddress',
      'parseConfig',
      'parseIpv4',
      'parseIpv6',
      'parseMatchPattern',
      'parseRulesFile',
      'parsedAddressOf',
      'plan',
      'serviceToInput',
      'showValue',
      'splitLines',
      'validateServiceDefaults',
      'validateServices',
      'withParsedAddress',
    ]);
  });

  it('@lbkit/core/testing: 11 runtime exports', async () => {
    const api = await import('./testing/index.js');
    expect(Object.keys(api).sort()).toEqual([
      'LAB',
      'NetnsLab',
      'canUseNetns',
      'createBalancerLab',
      'createFakeBackend',
      'createFakeKernel',
      'createScriptedProbes',
      'describeDesired',
      'describeObserved',
      'dnsmasqNameServerArgv',
      'runBackendConformance',
    ]);
  });
});
