/**
 * keepalived object names, derived from the validated `name` only (never from
 * other user text): `<name>` (sync group), `<name>_vip` and `<name>_inner`
 * (VRRP instances), `<name>_health` (track_file), `<name>_process`
 * (vrrp_track_process).
 * @module
 */

/** The derived names for prefix `name`. */
export function keepalivedNames(name: string): {
  readonly group: string;
  readonly serviceInstance: string;
  readonly innerInstance: string;
  readonly trackFile: string;
  readonly trackProcess: string;
} {
  return {
    group: name,
    serviceInstance: `${name}_vip`,
    innerInstance: `${name}_inner`,
    trackFile: `${name}_health`,
    trackProcess: `${name}_process`,
  };
}
