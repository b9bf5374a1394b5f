import { describe, expect, it } from 'vitest';

/**
 * The public API by intent: the runtime names each entry point exports,
 * pinned. A new export (or a lost one) fails here until this list, the
 * package README and the reason for it agree. Types are not runtime names.
 */
describe('@lbkit/probes exports', () => {
  it('@lbkit/probes: 21 runtime exports', async () => {
    const api = await import('./index.js');
    expect(Object.keys(api).sort()).toEqual([
      'CheckScope',
      'DNS_QUERY_TYPES',
      'EXEC_PATH',
      'MAX_AGENT_REPLY',
      'MAX_EXEC_OUTPUT',
      'agentProbe',
      'classifyError',
      'compileHeaderMatch',
      'compileMatcher',
      'createProbe',
      'dnsProbe',
      'execProbe',
      'httpHeaderProbe',
      'invalidProbe',
      'judgeResponse',
      'matcherFromText',
      'noneProbe',
      'parseAgentReply',
      'parseExpectation',
      'prepareQuery',
      'tcpProbe',
    ]);
  });
});
