import type { CompiledHeaderMatch } from './header-match.js';

/** What one HTTP check sends and accepts, fixed when the probe is built. */
export interface RequestPlan {
  readonly method: 'GET' | 'HEAD';
  readonly path: string;
  readonly scheme: 'http' | 'https';
  /** `User-Agent` and, when configured, `Host`. */
  readonly userAgent: string;
  readonly host: string | undefined;
  readonly minStatus: number;
  readonly maxStatus: number;
  readonly maxBodyBytes: number;
  readonly header: CompiledHeaderMatch | undefined;
}

/** The verdict on a final (non-1xx) response head. */
export type HeadVerdict =
  | { readonly ok: true; readonly identity: string | undefined }
  | { readonly ok: false; readonly message: string };

/**
 * Judges a final response head: the status must be in range and, with a header
 * rule, one value of that header must pass it (that value is the identity).
 * `values` returns the values of the named header (lower case), one per header
 * line. `where` prefixes the failure message (`http://127.0.0.1:8080/`).
 */
export function judgeHead(
  plan: RequestPlan,
  where: string,
  statusCode: number,
  values: (name: string) => readonly string[],
): HeadVerdict {
  if (statusCode < plan.minStatus || statusCode > plan.maxStatus) {
    return {
      ok: false,
      message: `${where}: status ${statusCode} not in ${plan.minStatus}..${plan.maxStatus}`,
    };
  }
  const rule = plan.header;
  if (!rule) return { ok: true, identity: undefined };
  const seen = values(rule.name);
  const hit = seen.find((v) => rule.test(v));
  if (hit === undefined) {
    const what = seen.length === 0 ? 'absent' : JSON.stringify(seen);
    return { ok: false, message: `${where}: header ${rule.rule} failed (${what})` };
  }
  return { ok: true, identity: hit };
}

/** The values of header `name` (lower case) in a flat `[name, value, ...]` list (`rawHeaders`). */
export function rawHeaderValues(raw: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.length === name.length && raw[i]!.toLowerCase() === name) out.push(raw[i + 1]!);
  }
  return out;
}
