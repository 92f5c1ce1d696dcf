/** The shape of `nx graph --file=graph.json` that the checks read. */
export interface NxGraphFile {
  readonly graph: {
    readonly nodes: Record<string, { readonly name: string; readonly type: string; readonly data: { readonly root: string; readonly tags?: readonly string[] } }>;
    readonly dependencies: Record<string, ReadonlyArray<{ readonly source: string; readonly target: string; readonly type: string }>>;
  };
}

export interface GraphExpectations {
  /** Project roots that must be in the graph, e.g. "apps/media". */
  readonly projectRoots: readonly string[];
  /** Tag of the all-in-one launcher, which composes the apps. */
  readonly launcherTag: string;
  /** Tag of the end-to-end tests, which start apps in-process; the only other projects allowed to depend on them. */
  readonly e2eTag: string;
}

/** Every problem with the project graph; empty when apps share only libs. */
export function checkProjectGraph(file: NxGraphFile, expected: GraphExpectations): string[] {
  const problems: string[] = [];
  const nodes = Object.values(file.graph.nodes);
  const byRoot = new Map(nodes.map((node) => [node.data.root, node]));
  for (const root of expected.projectRoots) {
    const node = byRoot.get(root);
    if (!node) problems.push(`${root} is not in the Nx project graph`);
    else if (root.startsWith('apps/') && node.type !== 'app') problems.push(`${root} (${node.name}) is a ${node.type} in the graph; apps must be "application" projects`);
  }
  const isApp = (name: string) => file.graph.nodes[name]?.type === 'app';
  for (const edges of Object.values(file.graph.dependencies)) {
    for (const edge of edges) {
      if (!isApp(edge.target)) continue;
      const source = file.graph.nodes[edge.source];
      if (!source) continue; // npm packages
      if (isApp(edge.source)) {
        problems.push(`app "${edge.source}" depends on app "${edge.target}" (${edge.type}): apps never import each other; move the shared code to a lib`);
      } else if (!source.data.tags?.some((tag) => tag === expected.launcherTag || tag === expected.e2eTag)) {
        problems.push(`"${edge.source}" (${source.data.root}) depends on app "${edge.target}" (${edge.type}): only the launcher (${expected.launcherTag}) and e2e tests (${expected.e2eTag}) may`);
      }
    }
  }
  return problems;
}
