import { describe, expect, it } from 'vitest';

/**
 * The public API by intent: the runtime names each entry point exports,
 * pinned. A new export (or a lost one) fails here until this list, the
 * package README and the reason for it agree. Types are not runtime names.
 */
describe('@lbkit/core exports', () => {
  it('@lbkit/core: 59 runtime exports', async () => {
    const api = await import('./index.js');
    expect(Object.keys(api).sort()).toEqual([
      'CONFIG_KEYS',
      'DEFAULT_DURATION_BUCKETS',
      'DEFAULT_HEALTH',
      'DEFAULT_MAX_CONFIG_BYTES',
      'DEFAULT_MAX_REMOVED_SHARE',
      'MAX_ALIASES',
      'MAX_CONFIG_ISSUES',
      'MAX_DURATION_MS',
      'MAX_IDENTITY_CHARS',
      'MAX_MESSAGE_CHARS',
      'MAX_PERSISTENCE_S',
      'MAX_PROBE_TEXT',
      'MAX_SHOWN_ISSUES',
      'NAME_PATTERN',
      'PROBE_ERROR_KINDS',
      'PROBE_KINDS',
      'PROMETHEUS_CONTENT_TYPE',
      'RULES_FIELDS',
      'SCHEDULERS',
      'TypedEmitter',
      'addressProblem',
      'applyServiceDefaults',
      'backendError',
      'changedEntries',
      'configIssue',
      'countConfigIssues',
      'createBalancer',
      'createBalancerMetrics',
      'createReconciler',
      'defaultScheduler',
      'formatConfigIssue',
      'formatConfigIssues',
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
      'parseYamlSource',
      'parsedAddressOf',
      'plan',
      'planFull',
      'reloadShrinkProblem',
      'replan',
      'safeText',
      'serviceToInput',
      'showValue',
      'splitLines',
      'validateServiceDefaults',
      'validateServices',
      'withCompanion',
      'withParsedAddress',
    ]);
  });

  it('@lbkit/core/testing: 17 runtime exports', async () => {
    const api = await import('./testing/index.js');
    expect(Object.keys(api).sort()).toEqual([
      'LAB',
      'NetnsLab',
      'UPDATING',
      'canUseNetns',
      'createBalancerLab',
      'createFakeBackend',
      'createFakeKernel',
      'createPlannedStates',
      'createScriptedProbes',
      'describeDesired',
      'describeObserved',
      'dnsmasqNameServerArgv',
      'expectGolden',
      'modelService',
      'parseExposition',
      'runBackendConformance',
      'timerGaps',
    ]);
  });
});
