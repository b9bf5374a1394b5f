import type { ProbeFactory, ProbeSpec } from '@lbkit/core';
import { agentProbe } from './agent-probe.js';
import type { ClosableProbe } from './closable-probe.js';
import { invalidProbe } from './closable-probe.js';
import { dnsProbe } from './dns-probe.js';
import { execProbe } from './exec-probe.js';
import { httpHeaderProbe } from './http-probe.js';
import { noneProbe } from './none-probe.js';
import { matcherFromText, parseExpectation } from './pattern.js';
import { tcpProbe } from './tcp-probe.js';

/**
 * Builds the probe for a `ProbeSpec`: `tcp` -> {@link tcpProbe}, `dns` ->
 * {@link dnsProbe} (transport defaults to the service protocol), `http` ->
 * {@link httpHeaderProbe}, `agent` -> {@link agentProbe}, `exec` ->
 * {@link execProbe}, `none` -> always up. Text expectations written
 * `/source/flags` become RegExps. Never throws: an invalid spec yields a probe
 * whose checks fail with kind `internal` and the reason.
 */
export const createProbe: ProbeFactory = (spec, context): ClosableProbe => build(spec, context);

function build(spec: ProbeSpec, context: { readonly protocol: 'tcp' | 'udp' }): ClosableProbe {
  switch (spec.kind) {
    case 'tcp':
      return tcpProbe({
        ...(spec.send !== undefined && { send: spec.send }),
        ...(spec.expect !== undefined && { expect: spec.expect }),
      });
    case 'dns': {
      const parsed = spec.expect === undefined ? undefined : parseExpectation(spec.expect);
      if (parsed?.isErr()) return invalidProbe(`dns ${spec.name}`, parsed.error.message);
      const expect = parsed?.isOk() ? parsed.value : undefined;
      return dnsProbe({
        name: spec.name,
        transport: spec.transport ?? context.protocol,
        ...(spec.type !== undefined && { type: spec.type }),
        ...(expect !== undefined && { expect }),
      });
    }
    case 'http': {
      const { kind: _kind, ...options } = spec;
      if (spec.header?.matches !== undefined && matcherFromText(spec.header.matches).isErr()) {
        return invalidProbe('http', `bad header regular expression ${spec.header.matches}`);
      }
      return httpHeaderProbe(options);
    }
    case 'none':
      return noneProbe();
    case 'agent':
      return agentProbe({
        ...(spec.port !== undefined && { port: spec.port }),
        ...(spec.send !== undefined && { send: spec.send }),
      });
    case 'exec':
      return execProbe({
        argv: spec.argv,
        ...(spec.dynamic !== undefined && { dynamic: spec.dynamic }),
      });
    default:
      return invalidProbe(
        'unknown',
        `unknown probe kind ${JSON.stringify((spec as { kind?: unknown }).kind)}`,
      );
  }
}
