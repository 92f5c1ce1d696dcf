export type PathSegment = string | number;

export interface KnowledgeProblem {
  /** Where in the file, e.g. `services[2].price`; '' for the file as a whole. */
  readonly path: string;
  /** 1-based line in the source text, when known. */
  readonly line?: number;
  readonly message: string;
}

/** A problem found while validating data, before lines are known. */
export interface PathProblem {
  readonly path: readonly PathSegment[];
  readonly message: string;
}

/** `services[2].price` from ['services', 2, 'price']. */
export function formatPath(path: readonly PathSegment[]): string {
  return path
    .map((segment, index) => {
      if (typeof segment === 'number') return `[${segment}]`;
      const plain = /^[A-Za-z0-9_-]+$/.test(segment) ? segment : JSON.stringify(segment);
      return index === 0 ? plain : `.${plain}`;
    })
    .join('');
}

export function formatProblem(problem: KnowledgeProblem): string {
  const where = problem.path === '' ? '(file)' : problem.path;
  return `${where}${problem.line === undefined ? '' : ` (line ${problem.line})`}: ${problem.message}`;
}

/** A knowledge file that was refused; `problems` lists every problem found, not just the first. */
export class KnowledgeError extends Error {
  override readonly name = 'KnowledgeError';
  constructor(
    readonly problems: readonly KnowledgeProblem[],
    readonly source = 'knowledge file',
  ) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`${source} has ${count}:\n${problems.map((problem) => `  - ${formatProblem(problem)}`).join('\n')}`);
  }
}
