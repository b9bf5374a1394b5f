/**
 * @lbkit/probes: TCP connect, DNS (TXT/A/AAAA/SOA over UDP or TCP) and HTTP
 * header health probes implementing `Probe` from `@lbkit/core`, plus
 * `createProbe`, the `ProbeFactory` that builds one from a `ProbeSpec`.
 * @module @lbkit/probes
 */
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
