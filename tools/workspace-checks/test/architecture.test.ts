/**
 * The architecture as Nx and ESLint see it. One file, in order: `nx graph`
 * computes the project graph and refreshes Nx's cached copy of it, which is
 * the only graph @nx/enforce-module-boundaries reads (with no cache it skips
 * itself; with a stale one it misses new projects); the lint cases run after.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ESLint, type Linter } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkProjectGraph, type NxGraphFile } from '../src/graph';
import { projectsUnder, workspaceRoot } from '../src/workspace';

const run = promisify(execFile);
const launcherTag = 'type:launcher';
const e2eTag = 'type:e2e';
const projectRoots = [...projectsUnder('apps'), ...projectsUnder('libs')].map((p) => p.root);

let dir: string | undefined;
let graph: NxGraphFile;
let eslint: ESLint;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'workspace-checks-graph-'));
  const file = join(dir, 'graph.json');
  try {
    // No daemon: a graph computed from the files on disk, as CI computes it.
    await run('npx', ['nx', 'graph', `--file=${file}`], { cwd: workspaceRoot, timeout: 180_000, env: { ...process.env, NX_DAEMON: 'false' }, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`npx nx graph failed:\n${stdout}\n${stderr}`, { cause: error });
  }
  graph = JSON.parse(await readFile(file, 'utf8')) as NxGraphFile;
  eslint = new ESLint({ cwd: workspaceRoot });
}, 200_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Nx project graph (npx nx graph --file=...)', () => {
  it('shows every app and lib, and only the launcher and e2e tests depend on apps (no app→app edge)', () => {
    expect(projectRoots.filter((root) => root.startsWith('apps/')).length).toBeGreaterThan(1);
    expect(checkProjectGraph(graph, { projectRoots, launcherTag, e2eTag })).toEqual([]);
  });

  it('still knows the launcher (tools/stack) composes the apps', () => {
    const stack = Object.values(graph.graph.nodes).find((n) => n.data.tags?.includes(launcherTag));
    expect(stack?.data.root).toBe('tools/stack');
    const targets = (graph.graph.dependencies[stack!.name] ?? []).map((e) => e.target);
    expect(targets).toEqual(expect.arrayContaining(['gateway', 'media']));
  });
});

describe('graph checks catch mistakes', () => {
  const node = (name: string, type: string, root: string, tags: string[] = []) => ({ name, type, data: { root, tags } });
  const sample: NxGraphFile = {
    graph: {
      nodes: {
        media: node('media', 'app', 'apps/media'),
        brain: node('brain', 'app', 'apps/brain'),
        bus: node('bus', 'lib', 'libs/bus', ['type:lib']),
        bench: node('bench', 'lib', 'tools/bench', ['type:tool']),
        stack: node('stack', 'lib', 'tools/stack', [launcherTag]),
        e2e: node('e2e', 'lib', 'tools/e2e', [e2eTag]),
      },
      dependencies: {
        media: [{ source: 'media', target: 'brain', type: 'static' }, { source: 'media', target: 'bus', type: 'static' }],
        bench: [{ source: 'bench', target: 'media', type: 'dynamic' }],
        stack: [{ source: 'stack', target: 'brain', type: 'static' }],
        e2e: [{ source: 'e2e', target: 'media', type: 'static' }],
        brain: [{ source: 'brain', target: 'npm:zod', type: 'static' }],
      },
    },
  };

  it('reports an app→app edge, a tool depending on an app, and a missing project (not the launcher or e2e tests)', () => {
    const problems = checkProjectGraph(sample, { projectRoots: ['apps/media', 'apps/brain', 'libs/bus', 'libs/audio'], launcherTag, e2eTag });
    expect(problems).toEqual([
      'libs/audio is not in the Nx project graph',
      'app "media" depends on app "brain" (static): apps never import each other; move the shared code to a lib',
      '"bench" (tools/bench) depends on app "media" (dynamic): only the launcher (type:launcher) and e2e tests (type:e2e) may',
    ]);
  });
});

// The architecture rules of eslint.config.mjs must actually fire: each case
// lints a probe file that does not exist on disk, at a path inside a project.
const boundaries = '@nx/enforce-module-boundaries';
const restricted = 'no-restricted-imports';

async function lint(filePath: string, code: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(code, { filePath, warnIgnored: true });
  expect(result, `ESLint returned no result for ${filePath}`).toBeDefined();
  return result!.messages;
}

const errorsOf = (messages: Linter.LintMessage[], rule: string) => messages.filter((m) => m.ruleId === rule && m.severity === 2);
const describeAll = (messages: Linter.LintMessage[]) => messages.map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`).join('\n') || '(no messages)';

describe('lint: module boundaries between projects', () => {
  it('fails when an app imports another app', async () => {
    const messages = await lint('apps/media/src/probe.ts', "import { brainService } from '@voiceagent/brain';\n\nexport const probe = brainService;\n");
    expect(errorsOf(messages, boundaries), `expected an ${boundaries} error; got:\n${describeAll(messages)}`).toHaveLength(1);
  }, 60_000);

  it('fails when a lib or a tool imports an app', async () => {
    for (const filePath of ['libs/bus/src/probe.ts', 'tools/workspace-checks/src/probe.ts']) {
      const messages = await lint(filePath, "import { mediaService } from '@voiceagent/media';\n\nexport const probe = mediaService;\n");
      expect(errorsOf(messages, boundaries), `${filePath}: expected an ${boundaries} error; got:\n${describeAll(messages)}`).toHaveLength(1);
    }
  }, 60_000);

  it('passes an app importing a lib', async () => {
    const messages = await lint('apps/media/src/probe.ts', "import { configVariables } from '@voiceagent/config';\n\nexport const probe = configVariables.length;\n");
    expect(errorsOf(messages, boundaries), describeAll(messages)).toEqual([]);
    expect(messages.filter((m) => m.severity === 2), describeAll(messages)).toEqual([]);
  }, 60_000);

  it('passes the launcher (tools/stack) and the e2e tests (tools/e2e) importing an app: the allowed exceptions', async () => {
    for (const filePath of ['tools/stack/src/probe.ts', 'tools/e2e/test/probe.ts']) {
      const messages = await lint(filePath, "import { brainService } from '@voiceagent/brain';\n\nexport const probe = brainService;\n");
      expect(errorsOf(messages, boundaries), `${filePath}: ${describeAll(messages)}`).toEqual([]);
    }
  }, 60_000);
});

describe('lint: hexagonal layout inside an app', () => {
  it('fails when domain code imports an adapter or a Node I/O module', async () => {
    const code = [
      "import { x } from '../adapters/x';",
      "import { readFileSync } from 'node:fs';",
      "import { createSocket } from 'node:dgram';",
      '',
      'export const probe = [x, readFileSync, createSocket];',
      '',
    ].join('\n');
    const messages = await lint('apps/media/src/domain/probe.ts', code);
    const errors = errorsOf(messages, restricted);
    expect(errors.map((m) => m.line), `expected ${restricted} on lines 1-3; got:\n${describeAll(messages)}`).toEqual([1, 2, 3]);
    expect(errors[0]!.message).toMatch(/adapters/);
    expect(errors[1]!.message).toMatch(/node:fs/);
  }, 60_000);

  it('fails when a port imports an adapter', async () => {
    const messages = await lint('apps/listener/src/ports/probe.ts', "import type { X } from '../adapters/x';\n\nexport type Probe = X;\n");
    expect(errorsOf(messages, restricted), describeAll(messages)).toHaveLength(1);
  }, 60_000);

  it('passes domain code that imports only other domain code and libs', async () => {
    const code = "import { configVariables } from '@voiceagent/config';\nimport { y } from './y';\n\nexport const probe = [configVariables, y];\n";
    const messages = await lint('apps/media/src/domain/probe.ts', code);
    expect(errorsOf(messages, restricted), describeAll(messages)).toEqual([]);
    expect(errorsOf(messages, boundaries), describeAll(messages)).toEqual([]);
  }, 60_000);
});
