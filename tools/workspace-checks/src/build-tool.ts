import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { workspaceRoot } from './workspace';

/** What tools/build/bundle.mjs (the `build` target of every app) exports. */
export interface BundleTool {
  /** Apps deployed as AWS Lambda functions, not containers. */
  readonly lambdaApps: readonly string[];
  /** Where the bundle of `projectRoot` is written, e.g. "dist/apps/media/main.mjs". */
  bundleOutput(projectRoot: string): string;
  isLambda(projectRoot: string): boolean;
}

/**
 * Loads the bundler script itself, so the checks use its answers rather than
 * a copy of them. It is a script run by path (not a workspace package), hence
 * loaded by path too.
 */
export async function loadBundleTool(): Promise<BundleTool> {
  return (await import(pathToFileURL(join(workspaceRoot, 'tools/build/bundle.mjs')).href)) as BundleTool;
}
