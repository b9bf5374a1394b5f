import { TRACE_PROTOCOLS, type TraceResult } from './trace.js';

/** Parses one JSON line of `trace-client`; `undefined` for anything else. */
export function parseTraceLine(line: string): TraceResult | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line) as Partial<TraceResult>;
    return TRACE_PROTOCOLS.includes(value.protocol as TraceResult['protocol']) &&
      typeof value.ok === 'boolean' &&
      typeof value.at === 'number'
      ? (value as TraceResult)
      : undefined;
  } catch {
    return undefined;
  }
}
