/**
 * A small Dockerfile reader: enough of the format (comments, line
 * continuations, stages, exec and shell forms) to check the shape of
 * infra/docker/Dockerfile without a Docker engine. Heredocs are not read.
 */

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, CMD, ... */
  readonly keyword: string;
  /** Everything after the keyword, continuations joined. */
  readonly args: string;
  /** 1-based line where the instruction starts. */
  readonly line: number;
}

export interface Stage {
  readonly index: number;
  readonly name: string | undefined;
  /** Base image or stage as written. */
  readonly from: string;
  /** Base with global ARG defaults substituted. */
  readonly base: string;
  readonly instructions: readonly Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  readonly globalArgs: ReadonlyMap<string, string | undefined>;
  readonly stages: readonly Stage[];
}

export function readInstructions(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  const lines = text.split(/\r?\n/);
  let current: { parts: string[]; line: number } | undefined;
  lines.forEach((raw, i) => {
    const trimmed = raw.trim();
    // Comment lines (and parser directives) are dropped, also inside a continuation.
    if (trimmed.startsWith('#')) return;
    // Empty lines end nothing: inside a continuation they are skipped, as Docker does.
    if (trimmed === '') return;
    current ??= { parts: [], line: i + 1 };
    const continued = /\\\s*$/.test(raw);
    current.parts.push(continued ? raw.replace(/\\\s*$/, '') : raw);
    if (!continued) {
      const joined = current.parts.join(' ').trim();
      const match = /^(\S+)\s*([\s\S]*)$/.exec(joined);
      if (match) instructions.push({ keyword: (match[1] ?? '').toUpperCase(), args: (match[2] ?? '').trim(), line: current.line });
      current = undefined;
    }
  });
  if (current) throw new Error(`Dockerfile ends inside a line continuation (from line ${current.line})`);
  return instructions;
}

/** Name → default of the ARG/ENV declarations in `args` ("A=1 B", or the legacy "A 1" form for ENV). */
export function declarations(keyword: 'ARG' | 'ENV', args: string): Map<string, string | undefined> {
  const result = new Map<string, string | undefined>();
  if (keyword === 'ENV' && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
    const [name = '', ...rest] = args.split(/\s+/);
    result.set(name, rest.join(' '));
    return result;
  }
  for (const token of args.match(/[A-Za-z_][A-Za-z0-9_]*(?:=(?:"[^"]*"|'[^']*'|\S*))?/g) ?? []) {
    const eq = token.indexOf('=');
    if (eq === -1) result.set(token, undefined);
    else result.set(token.slice(0, eq), token.slice(eq + 1).replace(/^(["'])(.*)\1$/, '$2'));
  }
  return result;
}

function substitute(text: string, vars: ReadonlyMap<string, string | undefined>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, braced: string | undefined, fallback: string | undefined, bare: string | undefined) => {
    const value = vars.get(braced ?? bare ?? '');
    return value ?? fallback ?? '';
  });
}

export function parseDockerfile(text: string): Dockerfile {
  const globalArgs = new Map<string, string | undefined>();
  const stages: Stage[] = [];
  let stage: { index: number; name: string | undefined; from: string; base: string; instructions: Instruction[] } | undefined;
  for (const instruction of readInstructions(text)) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const from = words[0] ?? '';
      const name = words.length >= 3 && words[1]?.toUpperCase() === 'AS' ? words[2] : undefined;
      stage = { index: stages.length, name, from, base: substitute(from, globalArgs), instructions: [] };
      stages.push(stage);
    } else if (!stage) {
      if (instruction.keyword === 'ARG') for (const [k, v] of declarations('ARG', instruction.args)) globalArgs.set(k, v);
    } else {
      stage.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

/** The argv of a CMD or ENTRYPOINT: exec form as written, shell form through /bin/sh -c. */
export function commandArgv(args: string): string[] {
  if (args.startsWith('[')) {
    const parsed: unknown = JSON.parse(args);
    if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) throw new Error(`not a JSON array of strings: ${args}`);
    return parsed;
  }
  return ['/bin/sh', '-c', args];
}

const shells = new Set(['sh', '/bin/sh', 'bash', '/bin/bash', 'dash', '/bin/dash']);

export interface DockerfileExpectations {
  /** Base image of the final (runtime) stage. */
  readonly runtimeImage: string;
  /** Path of the bundle the runtime runs, with ${APP} for the app, e.g. "dist/apps/${APP}/main.mjs". */
  readonly bundlePath: string;
}

function last(instructions: readonly Instruction[], keyword: string): Instruction | undefined {
  return instructions.filter((i) => i.keyword === keyword).at(-1);
}

/** Every problem with the service Dockerfile; empty when it is sound. */
export function checkDockerfile(dockerfile: Dockerfile, expected: DockerfileExpectations): string[] {
  const problems: string[] = [];
  const { stages } = dockerfile;
  if (stages.length < 2) {
    problems.push(`the Dockerfile must be multi-stage (dependencies and build apart from the runtime); it has ${stages.length} stage(s)`);
  }
  const runtime = stages.at(-1);
  if (!runtime) return problems;
  const runs = (stage: Stage) => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
  const stageRunning = (pattern: RegExp) => stages.find((s) => runs(s).some((r) => pattern.test(r)));
  if (!stageRunning(/\bnpm ci\b/)) problems.push('no stage installs dependencies with `npm ci`');
  const generate = stageRunning(/\bnx run contracts:generate\b/);
  const build = stageRunning(/\bnx run-many\b.*(-t|--targets?)[ =]build\b/);
  if (!generate) problems.push('no stage generates the proto code (`npx nx run contracts:generate`)');
  if (!build) problems.push('no stage bundles the apps (`npx nx run-many -t build`)');

  const label = `runtime stage${runtime.name ? ` "${runtime.name}"` : ''} (line ${runtime.instructions[0]?.line ?? '?'})`;
  if (runtime.base !== expected.runtimeImage) problems.push(`${label} must start FROM ${expected.runtimeImage}, not ${runtime.base}`);
  if (build && build === runtime) problems.push('the apps are built in the runtime stage: build in an earlier stage and copy the bundle');

  const args = new Map<string, string | undefined>();
  const env = new Map<string, string | undefined>();
  for (const i of runtime.instructions) {
    if (i.keyword === 'ARG') for (const [k, v] of declarations('ARG', i.args)) args.set(k, v);
    if (i.keyword === 'ENV') for (const [k, v] of declarations('ENV', i.args)) env.set(k, v);
  }
  if (!args.has('APP')) problems.push(`${label} does not declare ARG APP (a global ARG before FROM is not visible inside a stage)`);

  const cmd = last(runtime.instructions, 'CMD');
  const entrypoint = last(runtime.instructions, 'ENTRYPOINT');
  if (!cmd) {
    problems.push(`${label} has no CMD`);
  } else {
    let argv: string[] = [];
    try {
      argv = [...(entrypoint ? commandArgv(entrypoint.args) : []), ...commandArgv(cmd.args)];
    } catch (error) {
      problems.push(`CMD (line ${cmd.line}): ${(error as Error).message}`);
    }
    const command = argv.join(' ');
    const bundleVariants = [expected.bundlePath, expected.bundlePath.replace('${APP}', '$APP')];
    if (!bundleVariants.some((path) => command.includes(path))) {
      problems.push(`CMD (line ${cmd.line}) must run ${expected.bundlePath} (where tools/build/bundle.mjs writes a service); it runs: ${command}`);
    }
    if (/\$\{?APP\b/.test(command)) {
      const viaShell = shells.has(argv[0] ?? '') && argv[1] === '-c';
      if (!viaShell) {
        problems.push(`CMD (line ${cmd.line}) is in exec form, which does not expand variables: "\${APP}" reaches node literally (run it through sh -c, or bake the path in at build time)`);
      } else {
        if (!env.has('APP')) problems.push(`CMD (line ${cmd.line}) expands $APP when the container starts, but ${label} sets no ENV APP (ARG values do not exist at run time)`);
        if (!/(^|[;&|]\s*)exec\s+node\b/.test(argv[2] ?? '')) {
          problems.push(`CMD (line ${cmd.line}) runs node under a shell without \`exec\`: the shell would receive SIGTERM, not node`);
        }
      }
    }
  }

  const user = last(runtime.instructions, 'USER');
  const userName = user?.args.split(':')[0]?.trim();
  if (!user) problems.push(`${label} sets no USER: the service would run as root`);
  else if (userName === 'root' || userName === '0') problems.push(`${label} runs as ${user.args} (line ${user.line}): use a non-root user`);

  const healthcheck = last(runtime.instructions, 'HEALTHCHECK');
  if (!healthcheck || /^NONE\b/i.test(healthcheck.args)) problems.push(`${label} has no HEALTHCHECK`);

  const bundleDir = expected.bundlePath.slice(0, expected.bundlePath.lastIndexOf('/'));
  const copiesBundle = runtime.instructions.some((i) => i.keyword === 'COPY' && /--from=/.test(i.args) && i.args.includes(bundleDir));
  if (!copiesBundle) problems.push(`${label} does not COPY --from an earlier stage the bundle directory ${bundleDir}`);
  return problems;
}
