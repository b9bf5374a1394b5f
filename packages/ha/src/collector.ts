/**
 * The issue collector of the HA option validators: every problem at once,
 * each with the path of the offending value and, from a file, its line.
 * @module
 */
import {
  type ConfigIssue,
  configIssue,
  formatPath,
  type SourceMap,
  type SourcePath,
  showValue,
} from '@lbkit/core';
import type * as check from './checks.js';

/** A plain object of options. */
export type Obj = Record<string, unknown>;
/** True for a plain object (not null, not a list). */
export const isObject = (value: unknown): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Collects issues; `take` returns the value when its check passed. */
export class Collector {
  readonly issues: ConfigIssue[] = [];
  constructor(private readonly sources: SourceMap | undefined) {}

  /**
   * An issue of `path`, printed `file:line: field: tail` where the field is
   * the whole key path as written (`service.vips[0]`): HA options are small
   * and nested, a bare `vips[0]` leaf would not say which side.
   */
  add(path: SourcePath, tail: string, kind: ConfigIssue['kind'] = 'invalid'): void {
    const issue = configIssue(kind, tail, path, this.sources);
    const field = formatPath(path);
    this.issues.push(field === '' ? issue : { ...issue, field });
  }

  /** `value` when `problem` is undefined; records the problem otherwise. */
  take<T>(path: SourcePath, value: unknown, problem: check.Problem): T | undefined {
    if (problem === undefined) return value as T;
    this.add(path, problem);
    return undefined;
  }

  /** `raw`, or `fallback` when absent, when `problem` finds nothing wrong with it. */
  opt<T>(
    path: SourcePath,
    raw: unknown,
    fallback: T,
    problem: (v: unknown) => check.Problem,
  ): T | undefined {
    const value = raw ?? fallback;
    return this.take<T>(path, value, problem(value));
  }

  /** Flags unknown keys of an object. */
  keys(path: SourcePath, value: Obj, known: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) {
        this.add([...path, key], `is an unknown field (expected ${known.join(', ')})`);
      }
    }
  }

  /** An optional object field: undefined when absent, flagged when not an object. */
  object(path: SourcePath, value: unknown, known: readonly string[]): Obj | undefined {
    if (value === undefined) return undefined;
    if (!isObject(value)) {
      this.add(path, `must be an object, got ${showValue(value)}`);
      return undefined;
    }
    this.keys(path, value, known);
    return value;
  }

  /** A list field of at most `max` items (`min` when required). */
  list(path: SourcePath, value: unknown, min: number, max: number): readonly unknown[] | undefined {
    if (value === undefined && min === 0) return [];
    if (!Array.isArray(value) || value.length < min || value.length > max) {
      this.add(path, `must be a list of ${min}..${max} items, got ${showValue(value)}`);
      return undefined;
    }
    return value;
  }
}
