/**
 * YAML (and so JSON) text -> plain data plus a `SourceMap` that knows the
 * line of every path, through the `yaml` package's node ranges and
 * `LineCounter`.
 */
import { err, ok, type Result } from 'neverthrow';
import { type Document, isNode, LineCounter, parseDocument } from 'yaml';
import {
  type ConfigIssue,
  configIssue,
  type SourceMap,
  type SourcePath,
} from '../validate/issue.js';
import { IssueList } from '../validate/issue-list.js';

/** Most aliases one document may expand (guards against "billion laughs"). */
export const MAX_ALIASES = 100;

/** Parsed text: the plain value and where each path came from. */
export interface YamlSource {
  readonly value: unknown;
  readonly sources: SourceMap;
}

/** A yaml error message without its position suffix and code frame. */
const shortMessage = (message: string): string =>
  (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');

function sourceMapOf(doc: Document, lines: LineCounter, file: string | undefined): SourceMap {
  return {
    ...(file !== undefined ? { file } : {}),
    lineOf(path: SourcePath): number | undefined {
      for (let n = path.length; n >= 0; n--) {
        const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
        if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
      }
      return undefined;
    },
  };
}

/**
 * Parses one YAML document (JSON is a subset). Syntax errors, duplicate keys,
 * several documents and too many aliases are `syntax` issues with their line.
 * Never throws.
 */
export function parseYamlSource(
  text: string,
  file?: string,
): Result<YamlSource, readonly ConfigIssue[]> {
  const lines = new LineCounter();
  const at = (line: number | undefined): SourceMap => ({
    ...(file !== undefined ? { file } : {}),
    lineOf: () => line,
  });
  if (typeof text !== 'string') {
    return err([configIssue('syntax', 'config text must be a string', [], at(undefined))]);
  }
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    return err([configIssue('syntax', `cannot parse: ${String(error)}`, [], at(undefined))]);
  }
  if (doc.errors.length > 0) {
    const issues = new IssueList();
    for (const e of doc.errors) {
      issues.add(configIssue('syntax', shortMessage(e.message), [], at(e.linePos?.[0].line)));
    }
    return err(issues.toArray());
  }
  try {
    const value: unknown = doc.toJS({ maxAliasCount: MAX_ALIASES });
    return ok({ value, sources: sourceMapOf(doc, lines, file) });
  } catch (error) {
    const message = error instanceof Error ? shortMessage(error.message) : String(error);
    return err([configIssue('syntax', message, [], at(undefined))]);
  }
}
