import { type BackendError, backendError } from '@lbkit/core';

/**
 * Turns nft's error text into a `BackendError`: permission problems are
 * `unavailable` (nothing we render can fix them), everything else `rejected`
 * (nft refused the script; nothing was committed).
 */
export function classifyNftError(what: string, text: string, cause?: unknown): BackendError {
  const message = `${what}: ${text.trim() || 'failed without a message'}`;
  const extra = cause === undefined ? {} : { cause };
  if (/Operation not permitted|Permission denied/i.test(text)) {
    return backendError('unavailable', message, extra);
  }
  return backendError('rejected', message, extra);
}

/** Parses nft's JSON output (`{"nftables": [...]}`); a `parse` error when it is not JSON. */
export function parseNftJson(
  text: string,
): { ok: true; value: unknown } | { ok: false; error: BackendError } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (cause) {
    return {
      ok: false,
      error: backendError('parse', `nft printed no valid JSON: ${text.slice(0, 200)}`, { cause }),
    };
  }
}

/** First line of a script, for error messages. */
export const firstLine = (script: string): string => {
  const line = script.split('\n', 1)[0] ?? '';
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
};
