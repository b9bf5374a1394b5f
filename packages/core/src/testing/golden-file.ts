/**
 * Golden files for tests: the expected text lives in a checked-in file, and
 * a test fails when it differs — or when the file is missing — unless the
 * run is `UPDATE=1`, which (re)writes it.
 * @module
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'vitest';

/** True when this run may (re)write golden files. */
export const UPDATING = process.env['UPDATE'] === '1';

/**
 * Expects `actual` to equal the golden file `path`. With `UPDATE=1` the file
 * is written first. `how` tells in the failure how a missing file is made.
 */
export function expectGolden(path: string, actual: string, how = 'UPDATE=1'): void {
  if (UPDATING) writeFileSync(path, actual);
  if (!existsSync(path)) {
    throw new Error(`golden file ${path} is missing: create it with ${how}`);
  }
  expect(actual).toBe(readFileSync(path, 'utf8'));
}
