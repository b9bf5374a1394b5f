/**
 * @lbkit/probes: TCP connect, DNS (TXT/A/AAAA/SOA over UDP or TCP), HTTP
 * header, HAProxy agent-check and external (exec) health probes implementing `Probe` from `@lbkit/core`, plus
 * `createProbe`, the `ProbeFactory` that builds one from a `ProbeSpec`.
 * @module @lbkit/probes
 */
export { type AgentProbeOptions, agentProbe } from './agent-probe.js';
export { type AgentReply, MAX_AGENT_REPLY, parseAgentReply } from './agent-words.js';
export { CheckScope } from './check-scope.js';
export { type ClosableProbe, invalidProbe } from './closable-probe.js';
export { createProbe } from './create-probe.js';
export { type DnsProbeOptions, dnsProbe } from './dns-probe.js';
export {
  DNS_QUERY_TYPES,
  type DnsQueryType,
  type DnsVerdict,
  judgeResponse,
  prepareQuery,
} from './dns-wire.js';
export { type ClassifiedError, classifyError } from './errors.js';
export {
  EXEC_PATH,
  type ExecProbeOptions,
  execProbe,
  MAX_EXEC_OUTPUT,
} from './exec-probe.js';
export {
  type CompiledHeaderMatch,
  compileHeaderMatch,
  type HeaderMatchOptions,
} from './header-match.js';
export { type HttpHeaderProbeOptions, httpHeaderProbe } from './http-probe.js';
export { noneProbe } from './none-probe.js';
export {
  compileMatcher,
  type Expectation,
  matcherFromText,
  type PatternError,
  parseExpectation,
  type TextMatcher,
} from './pattern.js';
export { type TcpProbeOptions, tcpProbe } from './tcp-probe.js';
