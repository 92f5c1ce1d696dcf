import type { Document, LineCounter as LineCounterType } from 'yaml';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Knowledge } from './model';
import type { KnowledgeProblem, PathSegment } from './problems';
import { formatPath, KnowledgeError } from './problems';
import { validateKnowledge } from './validate';

/**
 * Parses and validates the text of a knowledge file. Throws KnowledgeError
 * listing every problem as `path (line N): reason`.
 */
export function parseKnowledge(text: string, source = 'knowledge file'): Knowledge {
  const lineCounter = new LineCounter();
  // Failsafe: every scalar stays the text that was typed; the schema converts it.
  const document = parseDocument(text, { schema: 'failsafe', lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new KnowledgeError(
      document.errors.map((error) => ({ path: '', line: lineCounter.linePos(error.pos[0]).line, message: `not valid YAML: ${firstLine(error.message)}` })),
      source,
    );
  }
  const result = validateKnowledge(document.toJS({ maxAliasCount: 100 }), source);
  if (result.ok) return result.knowledge;
  const problems: KnowledgeProblem[] = result.problems.map((problem) => {
    const line = lineOf(document, lineCounter, problem.path);
    return line === undefined ? { path: formatPath(problem.path), message: problem.message } : { path: formatPath(problem.path), line, message: problem.message };
  });
  // In file order, so the owner can work down the file; problems without a line (a missing section) first.
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  throw new KnowledgeError(problems, source);
}

const firstLine = (message: string): string => message.split('\n')[0] ?? message;

type Ranged = { range?: readonly [number, number, number] | null } | null | undefined;

function lineAt(node: unknown, lineCounter: LineCounterType): number | undefined {
  const start = (node as Ranged)?.range?.[0];
  return start === undefined ? undefined : lineCounter.linePos(start).line;
}

/**
 * The line a problem path points at: the deepest key or list item that
 * exists on the path (a missing key is reported on its parent's line).
 */
function lineOf(document: Document, lineCounter: LineCounterType, path: readonly PathSegment[]): number | undefined {
  let node: unknown = document.contents;
  let line = path.length === 0 ? lineAt(node, lineCounter) : undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      line = lineAt(pair.key, lineCounter) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      if (node === undefined) break;
      line = lineAt(node, lineCounter) ?? line;
    } else {
      break;
    }
  }
  return line;
}
