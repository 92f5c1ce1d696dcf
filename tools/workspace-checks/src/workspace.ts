import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository root. */
export const workspaceRoot = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, '');

export interface WorkspaceProject {
  /** Nx project name (project.json "name"). */
  readonly name: string;
  /** Path from the workspace root, e.g. "apps/media". */
  readonly root: string;
  readonly tags: readonly string[];
}

/** The Nx projects directly under `folder` ("apps", "libs", "tools"): directories with a project.json. */
export function projectsUnder(folder: string, root = workspaceRoot): WorkspaceProject[] {
  const dir = join(root, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'project.json')))
    .map((entry) => {
      const project = JSON.parse(readFileSync(join(dir, entry.name, 'project.json'), 'utf8')) as { name?: string; tags?: string[] };
      return { name: project.name ?? entry.name, root: `${folder}/${entry.name}`, tags: project.tags ?? [] };
    })
    .sort((a, b) => a.root.localeCompare(b.root));
}

export function readWorkspaceFile(path: string, root = workspaceRoot): string {
  return readFileSync(join(root, path), 'utf8');
}
