/**
 * No spread of an array into call arguments anywhere in the sources
 * (`list.push(...items)`, `Math.max(...values)`, `new Set(...)` is fine, but
 * `f(...array)` is not): every element becomes a stack slot, and past ~120,000
 * elements V8 throws `RangeError: Maximum call stack size exceeded` — a config
 * with that many issues crashed the parser this way. Loops or `reduce` have no
 * such limit. The one allowed form forwards a function's own rest parameter
 * (`(...args) => f(...args)`), which is bounded by its caller's arguments.
 * Test files are not scanned (their arrays are small constants).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const SKIP = new Set(['node_modules', 'dist', '.cache', '.tmp', 'coverage', '.git']);

function sources(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sources(path, out);
    else if (/\.(ts|mts|mjs|js)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name))
      out.push(path);
  }
  return out;
}

/** True when `name` is a rest parameter of a function enclosing `node`. */
function isRestParameter(node: ts.Node, name: string): boolean {
  for (let at: ts.Node | undefined = node.parent; at; at = at.parent) {
    if (ts.isFunctionLike(at)) {
      const rest = at.parameters.find((p) => p.dotDotDotToken !== undefined);
      if (rest && ts.isIdentifier(rest.name) && rest.name.text === name) return true;
    }
  }
  return false;
}

/** Every `f(...x)` / `new F(...x)` in `file` that does not forward a rest parameter. */
function callSpreads(file: string, text = readFileSync(file, 'utf8')): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isSpreadElement(node) &&
      (ts.isCallExpression(node.parent) || ts.isNewExpression(node.parent)) &&
      !(ts.isIdentifier(node.expression) && isRestParameter(node, node.expression.text))
    ) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart());
      found.push(`${relative(ROOT, file)}:${line + 1}: ${node.parent.getText().slice(0, 80)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('sources', () => {
  it('never spread an array into call arguments', () => {
    const files = ['packages', 'examples', 'scripts'].flatMap((dir) => sources(join(ROOT, dir)));
    expect(files.length).toBeGreaterThan(100);
    expect(files.flatMap((file) => callSpreads(file))).toEqual([]);
  });

  it('the scan finds what it must and allows forwarding a rest parameter', () => {
    const sample = [
      'items.push(...more);',
      'const m = new Map(...pairs);',
      'function g(...args: unknown[]) { return f(...args); }',
      'const copy = [...more];',
    ].join('\n');
    expect(callSpreads(join(ROOT, 'x.ts'), sample)).toEqual([
      'x.ts:1: items.push(...more)',
      'x.ts:2: new Map(...pairs)',
    ]);
  });
});
