import { describe, expect, it } from 'vitest';
import { checkDockerfile, commandArgv, parseDockerfile, readInstructions } from '../src/dockerfile';
import { loadBundleTool } from '../src/build-tool';
import { projectsUnder, readWorkspaceFile } from '../src/workspace';

const { bundleOutput, isLambda, lambdaApps } = await loadBundleTool();

const dockerfileText = readWorkspaceFile('infra/docker/Dockerfile');
// Where tools/build/bundle.mjs writes a service's bundle, with the app left as ${APP}.
const bundlePath = bundleOutput('apps/${APP}');
const expected = { runtimeImage: 'node:20-bookworm-slim', bundlePath };

describe('tools/build/bundle.mjs output paths', () => {
  it('writes services to dist/apps/<app>/main.mjs and the Lambda to dist/apps/connect-trigger/index.mjs', () => {
    expect(bundlePath).toBe('dist/apps/${APP}/main.mjs');
    expect(lambdaApps).toEqual(['connect-trigger']);
    expect(bundleOutput('apps/connect-trigger')).toBe('dist/apps/connect-trigger/index.mjs');
    const apps = projectsUnder('apps');
    for (const lambda of lambdaApps) expect(apps.map((a) => a.root), `Lambda ${lambda} is an app`).toContain(`apps/${lambda}`);
    for (const app of apps.filter((a) => !isLambda(a.root))) expect(bundleOutput(app.root)).toBe(`dist/${app.root}/main.mjs`);
  });
});

describe('infra/docker/Dockerfile', () => {
  const dockerfile = parseDockerfile(dockerfileText);

  it('is multi-stage, builds in its own stages and runs the APP bundle as non-root on node:20-bookworm-slim', () => {
    expect(checkDockerfile(dockerfile, expected)).toEqual([]);
  });

  it('has the deps, build and runtime stages in that order', () => {
    const names = dockerfile.stages.map((s) => s.name);
    const order = ['deps', 'build', 'runtime'].map((name) => names.indexOf(name));
    expect(order.every((i) => i >= 0), `stages: ${names.join(', ')}`).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(dockerfile.stages.at(-1)?.name).toBe('runtime');
  });

  it('runs the health probe it copies in, and the probe exists', () => {
    const runtime = dockerfile.stages.at(-1)!;
    const healthcheck = runtime.instructions.find((i) => i.keyword === 'HEALTHCHECK')!;
    const probe = /CMD\s+(\[.*\])/.exec(healthcheck.args)?.[1];
    expect(probe, 'HEALTHCHECK ... CMD ["node", "<probe>"]').toBeDefined();
    const script = commandArgv(probe!)[1]!;
    expect(runtime.instructions.some((i) => i.keyword === 'COPY' && i.args.includes(script)), `${script} is copied into the runtime stage`).toBe(true);
    expect(readWorkspaceFile(script)).toMatch(/HEALTH_PORT/);
  });
});

describe('Dockerfile checks catch mistakes', () => {
  const good = `
ARG NODE_IMAGE=node:20-bookworm-slim
FROM \${NODE_IMAGE} AS deps
RUN npm ci
FROM deps AS build
RUN npx nx run contracts:generate \\
 && npx nx run-many -t build
FROM \${NODE_IMAGE} AS runtime
ARG APP
ENV APP=\${APP}
COPY --from=build /app/dist/apps/\${APP}/ ./dist/apps/\${APP}/
USER node
HEALTHCHECK CMD ["node", "probe.mjs"]
CMD ["/bin/sh", "-c", "exec node dist/apps/\${APP}/main.mjs"]
`;
  const problems = (text: string) => checkDockerfile(parseDockerfile(text), expected);

  it('accepts a minimal sound Dockerfile', () => {
    expect(problems(good)).toEqual([]);
  });

  it('reports a single-stage build', () => {
    const single = 'FROM node:20-bookworm-slim\nARG APP\nENV APP=$APP\nRUN npm ci && npx nx run contracts:generate && npx nx run-many -t build\nUSER node\nHEALTHCHECK CMD ["true"]\nCMD ["/bin/sh", "-c", "exec node dist/apps/${APP}/main.mjs"]\n';
    expect(problems(single)).toContainEqual(expect.stringContaining('must be multi-stage'));
  });

  it('reports an exec-form CMD that expects ${APP} to expand', () => {
    expect(problems(good.replace(/CMD \["\/bin\/sh".*\]/, 'CMD ["node", "dist/apps/${APP}/main.mjs"]'))).toContainEqual(expect.stringContaining('exec form, which does not expand variables'));
  });

  it('reports APP kept as an ARG only, and a shell that stays PID 1', () => {
    const result = problems(good.replace('ENV APP=${APP}\n', '').replace('exec node', 'node'));
    expect(result).toContainEqual(expect.stringContaining('sets no ENV APP'));
    expect(result).toContainEqual(expect.stringContaining('without `exec`'));
  });

  it('reports a missing ARG APP, a root user, a wrong base image and a CMD off the bundle path', () => {
    const result = problems(
      good.replace('ARG APP\n', '').replace('USER node', 'USER root').replace('FROM ${NODE_IMAGE} AS runtime', 'FROM node:22 AS runtime').replace('main.mjs', 'index.js'),
    );
    expect(result).toContainEqual(expect.stringContaining('does not declare ARG APP'));
    expect(result).toContainEqual(expect.stringContaining('runs as root'));
    expect(result).toContainEqual(expect.stringContaining('must start FROM node:20-bookworm-slim, not node:22'));
    expect(result).toContainEqual(expect.stringContaining('must run dist/apps/${APP}/main.mjs'));
  });

  it('reports a missing USER, HEALTHCHECK and build step', () => {
    const result = problems(good.replace('USER node\n', '').replace(/HEALTHCHECK.*\n/, '').replace(/RUN npx nx run contracts:generate[\s\S]*?build\n/, ''));
    expect(result).toContainEqual(expect.stringContaining('sets no USER'));
    expect(result).toContainEqual(expect.stringContaining('has no HEALTHCHECK'));
    expect(result).toContainEqual(expect.stringContaining('no stage generates the proto code'));
    expect(result).toContainEqual(expect.stringContaining('no stage bundles the apps'));
  });

  it('reads continuations, comments inside them and both CMD forms', () => {
    const instructions = readInstructions('# syntax=docker/dockerfile:1\nRUN a \\\n# note\n  && b\ncmd node x.mjs\n');
    expect(instructions.map((i) => [i.keyword, i.args.replace(/\s+/g, ' '), i.line])).toEqual([
      ['RUN', 'a && b', 2],
      ['CMD', 'node x.mjs', 5],
    ]);
    expect(commandArgv('node x.mjs')).toEqual(['/bin/sh', '-c', 'node x.mjs']);
    expect(() => readInstructions('RUN a \\\n')).toThrow(/line continuation/);
  });
});

describe('.dockerignore', () => {
  const ignored = readWorkspaceFile('.dockerignore')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));

  it('keeps local build state out of the context and everything the image build reads in', () => {
    for (const pattern of ['**/node_modules', 'dist', '.nx', '.git']) expect(ignored, `.dockerignore should list ${pattern}`).toContain(pattern);
    const needed = ['package.json', 'package-lock.json', 'nx.json', 'tsconfig.base.json', 'proto', 'apps', 'libs', 'tools/build', 'infra/docker'];
    const excluded = needed.filter((path) => ignored.some((pattern) => pattern === path || pattern === `${path}/` || pattern === `/${path}`));
    expect(excluded, 'the image build needs these').toEqual([]);
  });
});
