/**
 * Durations on command lines: `150ms`, `2s`, `1.5s`, `1m`, or a bare integer
 * of milliseconds. Returns milliseconds, or `undefined` for anything else.
 */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = match[2];
  if (unit === undefined && !Number.isInteger(value)) return undefined;
  const ms = unit === 's' ? value * 1000 : unit === 'm' ? value * 60_000 : value;
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}
