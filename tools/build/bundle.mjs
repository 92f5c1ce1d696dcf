#!/usr/bin/env node
// Bundles one app for Node 20 with esbuild: `node tools/build/bundle.mjs apps/<name>`
// (the `build` target default in nx.json). Output: dist/<projectRoot>/.
//
// Two kinds of bundle:
//
// - Services (every app but the Lambda) → dist/apps/<app>/main.mjs, ESM.
//   Workspace code (@voiceagent/*, TypeScript sources behind npm-workspace
//   symlinks) is inlined; every npm package stays external and is loaded from
//   node_modules at run time, so the runtime image carries production
//   node_modules (`npm ci --omit=dev`). Chosen over inlining npm packages
//   because several of them find files next to themselves at run time:
//   native addons (sherpa-onnx-node and its per-platform binary package),
//   wasm and data assets (@electric-sql/pglite), pino's worker transports,
//   OpenTelemetry's module hooks. Keeping them as installed packages makes a
//   bundle behave exactly as the sources do under tsx; the bundle's job is
//   only to drop TypeScript and tsx from the runtime.
//
// - The Amazon Connect trigger Lambda → dist/apps/connect-trigger/index.mjs,
//   ESM, fully self-contained (a Lambda zip has no node_modules): handler
//   `index.handler`. Everything is inlined; a native addon reaching it would
//   fail this build (esbuild has no loader for .node files), which is the
//   point: a Lambda zip cannot carry one.
import { build } from 'esbuild';
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const workspaceRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Apps deployed as AWS Lambda functions rather than long-running services. */
export const lambdaApps = ['connect-trigger'];

/** npm scope of the workspace packages: their TypeScript sources are bundled, never external. */
const workspaceScope = '@voiceagent/';

/** Node 20 runs the bundles (engines: >=20.19; Lambda nodejs20.x). */
const target = 'node20';

/**
 * Where the bundle of the project at `projectRoot` (e.g. "apps/media") is
 * written, relative to the workspace root. The Dockerfile's CMD and the
 * workspace checks rely on this.
 * @param {string} projectRoot
 */
export function bundleOutput(projectRoot) {
  const root = normalizeRoot(projectRoot);
  const file = isLambda(root) ? 'index.mjs' : 'main.mjs';
  return `dist/${root}/${file}`;
}

/** @param {string} projectRoot */
export function isLambda(projectRoot) {
  const root = normalizeRoot(projectRoot);
  return lambdaApps.some((app) => root === `apps/${app}`);
}

/** @param {string} projectRoot */
function normalizeRoot(projectRoot) {
  return relative(workspaceRoot, resolve(workspaceRoot, projectRoot)).split('\\').join('/');
}

/** Keeps npm packages external; lets esbuild resolve and inline workspace packages and relative files. */
const externalizeNpmPackages = {
  name: 'externalize-npm-packages',
  /** @param {import('esbuild').PluginBuild} pluginBuild */
  setup(pluginBuild) {
    // Bare specifiers only: not relative, not absolute. node: built-ins are external on platform node anyway.
    pluginBuild.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith(workspaceScope)) return undefined;
      return { path: args.path, external: true };
    });
  },
};

// A self-contained ESM bundle inlines CommonJS packages; their `require()` of
// Node built-ins and their __dirname/__filename need these in ESM scope.
// The helpers' names are prefixed so that they cannot collide with bundled
// top-level symbols. `require` keeps its name (esbuild's require shim looks it
// up as a free variable, and esbuild renames bundled top-level declarations
// that would shadow a free variable it references).
const lambdaBanner = [
  "import { createRequire as __bundleCreateRequire } from 'node:module';",
  "import { fileURLToPath as __bundleFileURLToPath } from 'node:url';",
  "import { dirname as __bundleDirname } from 'node:path';",
  'const __bundleFilename = __bundleFileURLToPath(import.meta.url);',
  'const __bundleDir = __bundleDirname(__bundleFilename);',
  'const require = __bundleCreateRequire(import.meta.url);',
].join('\n');

/**
 * Bundles the app at `projectRoot` and returns the output file (absolute path).
 * @param {string} projectRoot
 */
export async function bundle(projectRoot) {
  const root = normalizeRoot(projectRoot);
  const entry = join(workspaceRoot, root, 'src/main.ts');
  if (!existsSync(entry)) throw new Error(`bundle: ${root}/src/main.ts not found (is "${projectRoot}" an app?)`);
  const outfile = join(workspaceRoot, bundleOutput(root));
  const lambda = isLambda(root);
  rmSync(join(workspaceRoot, 'dist', root), { recursive: true, force: true });

  const result = await build({
    absWorkingDir: workspaceRoot,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target,
    sourcemap: 'linked',
    legalComments: 'linked',
    logLevel: 'warning',
    metafile: true,
    tsconfig: join(workspaceRoot, 'tsconfig.base.json'),
    ...(lambda
      ? {
          banner: { js: lambdaBanner },
          define: { __dirname: '__bundleDir', __filename: '__bundleFilename' },
        }
      : { plugins: [externalizeNpmPackages] }),
  });

  if (!lambda) checkRuntimeDependencies(root, result.metafile);
  // The database migrations are SQL files read at start-up; libs/db looks for them beside the bundle.
  if (Object.keys(result.metafile.inputs).some((input) => input.startsWith('libs/db/'))) {
    cpSync(join(workspaceRoot, 'libs/db/migrations'), join(dirname(outfile), 'migrations'), { recursive: true });
  }

  const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
  const inputs = Object.keys(result.metafile.inputs).length;
  process.stdout.write(`${relative(workspaceRoot, outfile)}  ${(bytes / 1024).toFixed(0)} KiB from ${inputs} modules${lambda ? ' (Lambda, self-contained)' : ''}\n`);
  return outfile;
}

/**
 * A service bundle imports its npm packages at run time, and the runtime image
 * installs only "dependencies" (`npm ci --omit=dev`): fail the build, not the
 * container, when a bundle reaches for a devDependency or an undeclared package.
 * @param {string} root
 * @param {import('esbuild').Metafile} metafile
 */
function checkRuntimeDependencies(root, metafile) {
  const manifest = JSON.parse(readFileSync(join(workspaceRoot, 'package.json'), 'utf8'));
  const runtime = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.optionalDependencies ?? {})]);
  const builtins = new Set(builtinModules);
  const missing = new Set();
  for (const output of Object.values(metafile.outputs)) {
    for (const { path, external } of output.imports) {
      if (!external || path.startsWith('node:') || builtins.has(path)) continue;
      const name = path.startsWith('@') ? path.split('/').slice(0, 2).join('/') : path.split('/')[0];
      if (!runtime.has(name)) missing.add(name);
    }
  }
  if (missing.size > 0) {
    throw new Error(
      `${root} imports ${[...missing].join(', ')} at run time, but the root package.json does not list ${missing.size > 1 ? 'them' : 'it'} in "dependencies" ` +
        '(the runtime image installs dependencies only)',
    );
  }
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  const projectRoots = process.argv.slice(2);
  if (projectRoots.length === 0) {
    process.stderr.write('usage: node tools/build/bundle.mjs <projectRoot>... (e.g. apps/media)\n');
    process.exit(2);
  }
  try {
    for (const projectRoot of projectRoots) await bundle(projectRoot);
  } catch (error) {
    // esbuild has already printed its diagnostics; this names the project.
    process.stderr.write(`bundle failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
