import { parse } from 'yaml';

/** The infrastructure services of docker-compose.yml: everything else there must be an app. */
export const infrastructureServices = ['nats', 'postgres', 'otel-collector'] as const;

/**
 * Variables an app service may set that libs/config does not (yet) read, each
 * with the reason. Keep this short: a variable the code reads belongs in
 * libs/config/src/schema.ts (and the README table).
 */
export const composeOnlyVariables: Readonly<Record<string, string>> = {
  // libs/config is gaining DATABASE_URL with the db lib; drop this entry once that is committed.
  DATABASE_URL: 'Postgres of booking and escalation',
};

export const composeDockerfile = 'infra/docker/Dockerfile';

export type ComposeFile = Record<string, unknown> & { services?: Record<string, ComposeService> };

export interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; args?: Record<string, unknown> | string[] };
  environment?: Record<string, unknown> | string[];
  depends_on?: string[] | Record<string, { condition?: string } | null>;
  ports?: unknown[];
  healthcheck?: { test?: unknown; disable?: boolean };
  [key: string]: unknown;
}

/** Parses a compose file as Docker Compose does: YAML with `<<` merge keys. */
export function parseCompose(text: string): ComposeFile {
  const value: unknown = parse(text, { merge: true });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('docker-compose.yml is not a YAML mapping');
  return value as ComposeFile;
}

/**
 * Compose variable interpolation with an empty environment, as in a clean
 * checkout: `${VAR:-default}` and `${VAR-default}` give the default, `${VAR}`
 * and `$VAR` give "", `$$` is a literal `$`.
 */
export function interpolate(value: string, env: Readonly<Record<string, string>> = {}): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (match, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
    if (match === '$$') return '$';
    const name = braced ?? bare ?? '';
    const set = env[name];
    if (op === ':-') return set ? set : (arg ?? '');
    if (op === '-') return set ?? arg ?? '';
    return set ?? '';
  });
}

/** The environment of a service as name → value (list or mapping form), values interpolated. */
export function serviceEnvironment(service: ComposeService): Record<string, string> {
  const env = service.environment;
  const entries: Array<[string, string]> = Array.isArray(env)
    ? env.map((item) => {
        const text = String(item);
        const eq = text.indexOf('=');
        return eq === -1 ? [text, ''] : [text.slice(0, eq), text.slice(eq + 1)];
      })
    : Object.entries(env ?? {}).map(([name, value]) => [name, value === null || value === undefined ? '' : String(value)]);
  return Object.fromEntries(entries.map(([name, value]) => [name, interpolate(value)]));
}

/** depends_on as name → condition (the short list form means service_started). */
export function serviceDependencies(service: ComposeService): Record<string, string> {
  const deps = service.depends_on;
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((name) => [name, 'service_started']));
  return Object.fromEntries(Object.entries(deps ?? {}).map(([name, spec]) => [name, spec?.condition ?? 'service_started']));
}

export function buildArgs(service: ComposeService): Record<string, string> {
  const build = service.build;
  if (build === undefined || typeof build === 'string') return {};
  const args = build.args;
  if (Array.isArray(args)) {
    return Object.fromEntries(args.map((item) => {
      const [name = '', ...rest] = String(item).split('=');
      return [name, rest.join('=')];
    }));
  }
  return Object.fromEntries(Object.entries(args ?? {}).map(([name, value]) => [name, String(value)]));
}

export interface PortRange {
  readonly start: number;
  readonly end: number;
}

export interface PortMapping {
  readonly hostIp: string | undefined;
  /** Host side; undefined when Docker picks a free port. */
  readonly published: PortRange | undefined;
  readonly target: PortRange;
  readonly protocol: 'tcp' | 'udp' | 'sctp';
}

function parseRange(text: string, what: string): PortRange {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!match) throw new Error(`${what} "${text}" is not a port or a port range`);
  const start = Number(match[1]);
  const end = match[2] === undefined ? start : Number(match[2]);
  if (start < 1 || end > 65535) throw new Error(`${what} "${text}" is outside 1-65535`);
  if (end < start) throw new Error(`${what} "${text}" is a range that ends before it starts`);
  return { start, end };
}

/**
 * Parses one `ports:` entry: the short syntax "[ip:][published:]target[/protocol]"
 * (ranges allowed) or the long syntax mapping. Throws with the reason.
 * Bare numbers are refused: YAML 1.1 reads 5060:5060 as a base-60 number.
 */
export function parsePortMapping(entry: unknown): PortMapping {
  if (typeof entry === 'number') throw new Error(`port ${entry} must be quoted ("${entry}"): unquoted port mappings can be read as numbers`);
  if (typeof entry === 'string') {
    const match = /^(?:(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?(?:([\d-]+):)?([\d-]+)(?:\/(tcp|udp|sctp))?$/.exec(entry);
    if (!match) throw new Error(`"${entry}" is not [ip:][published:]target[/tcp|udp|sctp]`);
    const published = match[2] === undefined ? undefined : parseRange(match[2], 'published port');
    const target = parseRange(match[3] ?? '', 'target port');
    if (published && published.end - published.start !== target.end - target.start) {
      throw new Error(`"${entry}": published and target ranges differ in length`);
    }
    return { hostIp: match[1], published, target, protocol: (match[4] ?? 'tcp') as PortMapping['protocol'] };
  }
  if (entry && typeof entry === 'object') {
    const long = entry as { target?: unknown; published?: unknown; protocol?: unknown; host_ip?: unknown };
    if (long.target === undefined) throw new Error(`${JSON.stringify(entry)}: long syntax needs "target"`);
    const protocol = long.protocol ?? 'tcp';
    if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'sctp') throw new Error(`${JSON.stringify(entry)}: protocol must be tcp, udp or sctp`);
    return {
      hostIp: long.host_ip === undefined ? undefined : String(long.host_ip),
      published: long.published === undefined ? undefined : parseRange(String(long.published), 'published port'),
      target: parseRange(String(long.target), 'target port'),
      protocol,
    };
  }
  throw new Error(`${JSON.stringify(entry)} is not a port mapping`);
}

export interface ComposeExpectations {
  /** Names of the apps under apps/. */
  readonly apps: readonly string[];
  /** Apps deployed otherwise (AWS Lambda): they must not have a service. */
  readonly notContainerised: readonly string[];
  /** libs/config's variable names. */
  readonly configVariables: readonly string[];
}

/** Every problem found in a parsed docker-compose.yml; empty when it is sound. */
export function checkCompose(compose: ComposeFile, expected: ComposeExpectations): string[] {
  const problems: string[] = [];
  const services = compose.services ?? {};
  const names = Object.keys(services);
  const containerised = expected.apps.filter((app) => !expected.notContainerised.includes(app));
  const infrastructure: readonly string[] = infrastructureServices;

  for (const app of containerised) {
    if (!services[app]) problems.push(`apps/${app} has no service in docker-compose.yml (add one built from ${composeDockerfile} with args APP: ${app})`);
  }
  for (const app of expected.notContainerised) {
    if (services[app]) problems.push(`service "${app}" must not exist: apps/${app} is deployed as an AWS Lambda, not a container`);
  }
  for (const name of names) {
    if (!containerised.includes(name) && !infrastructure.includes(name) && !expected.notContainerised.includes(name)) {
      problems.push(`service "${name}" is neither an app under apps/ nor an infrastructure service (${infrastructure.join(', ')})`);
    }
  }

  const knownVariables = new Set([...expected.configVariables, ...Object.keys(composeOnlyVariables)]);
  const hostPorts = new Map<string, string>();
  for (const [name, service] of Object.entries(services)) {
    const isApp = containerised.includes(name);
    if (!service || typeof service !== 'object') {
      problems.push(`service "${name}" is not a mapping`);
      continue;
    }

    for (const [dependency, condition] of Object.entries(serviceDependencies(service))) {
      const target = services[dependency];
      if (!target) problems.push(`service "${name}" depends on "${dependency}", which is not a service`);
      else if (condition === 'service_healthy' && (!target.healthcheck || target.healthcheck.disable)) {
        problems.push(`service "${name}" waits for "${dependency}" to be healthy, but "${dependency}" has no healthcheck`);
      }
    }

    for (const entry of service.ports ?? []) {
      try {
        const mapping = parsePortMapping(entry);
        if (!mapping.published) continue;
        for (let port = mapping.published.start; port <= mapping.published.end; port++) {
          const key = `${mapping.hostIp ?? '*'}:${port}/${mapping.protocol}`;
          const owner = hostPorts.get(key);
          if (owner && owner !== name) problems.push(`host port ${port}/${mapping.protocol} is published by both "${[owner, name].sort().join('" and "')}"`);
          hostPorts.set(key, name);
        }
      } catch (error) {
        problems.push(`service "${name}" ports: ${(error as Error).message}`);
      }
    }

    if (!isApp) continue;
    const build = service.build;
    const dockerfile = typeof build === 'object' ? build.dockerfile : undefined;
    const context = typeof build === 'object' ? (build.context ?? '.') : build;
    if (dockerfile !== composeDockerfile || (context !== '.' && context !== './')) {
      problems.push(`service "${name}" must build from ${composeDockerfile} with the repository root as context (got context ${JSON.stringify(context)}, dockerfile ${JSON.stringify(dockerfile)})`);
    }
    const app = buildArgs(service).APP;
    if (app !== name) problems.push(`service "${name}" builds APP=${app === undefined ? '(unset)' : JSON.stringify(app)}; it must be "${name}"`);
    if (service.image !== undefined && typeof build !== 'object') problems.push(`service "${name}" uses an image instead of building one`);

    const env = serviceEnvironment(service);
    for (const variable of Object.keys(env)) {
      if (!knownVariables.has(variable)) {
        problems.push(`service "${name}" sets ${variable}, which libs/config does not read (add it to libs/config/src/schema.ts, or to composeOnlyVariables with a reason)`);
      }
    }
    if (env.NATS_URL === undefined) problems.push(`service "${name}" has no NATS_URL: a service run on its own needs NATS`);
    if (!service.healthcheck || service.healthcheck.disable) problems.push(`service "${name}" has no healthcheck`);
    const deps = serviceDependencies(service);
    if (deps.nats !== 'service_healthy') problems.push(`service "${name}" must depend on nats with condition service_healthy`);
    if (env.DATABASE_URL !== undefined && deps.postgres !== 'service_healthy') {
      problems.push(`service "${name}" sets DATABASE_URL but does not wait for postgres to be healthy`);
    }
  }
  return problems;
}
