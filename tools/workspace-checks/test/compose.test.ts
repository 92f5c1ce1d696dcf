import { configVariables, loadConfig } from '@voiceagent/config';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { checkCompose, infrastructureServices, interpolate, parseCompose, parsePortMapping, serviceEnvironment, type ComposeFile } from '../src/compose';
import { loadBundleTool } from '../src/build-tool';
import { projectsUnder, readWorkspaceFile } from '../src/workspace';

const { lambdaApps } = await loadBundleTool();

const apps = projectsUnder('apps').map((p) => p.root.slice('apps/'.length));
const expectations = { apps, notContainerised: lambdaApps, configVariables };
const compose = parseCompose(readWorkspaceFile('docker-compose.yml'));
const services = compose.services ?? {};

function ports(service: string) {
  return (services[service]?.ports ?? []).map(parsePortMapping);
}

describe('docker-compose.yml', () => {
  it('has one service per app (connect-trigger, a Lambda, excepted), built from the Dockerfile with its APP, all wired soundly', () => {
    expect(apps.length, 'no apps found under apps/').toBeGreaterThan(0);
    expect(checkCompose(compose, expectations)).toEqual([]);
  });

  it('runs the infrastructure services: NATS with JetStream, Postgres and the OpenTelemetry collector', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining([...infrastructureServices]));
    const nats = services.nats!;
    expect(nats.image, 'nats image').toMatch(/^nats:2(\.|-|$)/);
    expect((nats.command as string[]).join(' '), 'nats-server needs -js for JetStream').toMatch(/(^|\s)(-js|--jetstream)(\s|$)/);
    expect(nats.healthcheck?.test, 'nats healthcheck').toBeDefined();
    expect(services.postgres!.image).toMatch(/^postgres:16/);
    expect(services.postgres!.healthcheck?.test, 'postgres healthcheck').toBeDefined();
  });

  it('gives every app service a configuration that libs/config accepts (a clean environment, defaults interpolated)', () => {
    for (const app of apps.filter((a) => !lambdaApps.includes(a))) {
      const env = serviceEnvironment(services[app]!);
      expect(() => loadConfig(env), `service ${app}`).not.toThrow();
      expect(env.OTEL_EXPORTER_OTLP_ENDPOINT, `service ${app} exports traces to the collector`).toBe('http://otel-collector:4318');
      expect(env.NATS_URL, `service ${app}`).toBe('nats://nats:4222');
    }
    for (const app of ['booking', 'escalation']) {
      expect(serviceEnvironment(services[app]!).DATABASE_URL, `service ${app} DATABASE_URL`).toMatch(/^postgres(ql)?:\/\/[^@]+@postgres:5432\//);
    }
  });

  it('publishes the gateway on its HTTP_PORT and SIP (UDP and TCP) and an RTP range for media', () => {
    const gatewayPort = Number(serviceEnvironment(services.gateway!).HTTP_PORT || 8080);
    expect(ports('gateway').some((p) => p.target.start === gatewayPort && p.protocol === 'tcp' && p.published)).toBe(true);
    const sipPort = Number(serviceEnvironment(services.media!).SIP_PORT || 5060);
    const media = ports('media');
    for (const protocol of ['udp', 'tcp'] as const) {
      expect(media.some((p) => p.target.start === sipPort && p.protocol === protocol && p.published?.start === sipPort), `media publishes SIP ${sipPort}/${protocol}`).toBe(true);
    }
    const rtp = media.find((p) => p.protocol === 'udp' && p.target.end > p.target.start);
    expect(rtp, 'media publishes an RTP port range over UDP').toBeDefined();
    expect((rtp!.target.end - rtp!.target.start + 1) % 2, 'an RTP range holds whole even/odd pairs').toBe(0);
    // SDP advertises the port numbers the media service allocates: they must be published as they are.
    expect(rtp!.published, 'the RTP range is published on the same ports').toEqual(rtp!.target);
    const config = loadConfig(serviceEnvironment(services.media!));
    expect({ min: config.RTP_PORT_MIN, max: config.RTP_PORT_MAX }, 'RTP_PORT_MIN/MAX match the published range').toEqual({ min: rtp!.target.start, max: rtp!.target.end });
  });
});

describe('compose checks catch mistakes', () => {
  const base = (): ComposeFile => structuredClone(compose);

  it('reports a missing app service, an unknown service and a Lambda given a container', () => {
    const broken = base();
    delete broken.services!.brain;
    broken.services!.redis = { image: 'redis:7' };
    broken.services!['connect-trigger'] = { ...structuredClone(services.media!), build: { context: '.', dockerfile: 'infra/docker/Dockerfile', args: { APP: 'connect-trigger' } } };
    const problems = checkCompose(broken, expectations);
    expect(problems).toContainEqual(expect.stringContaining('apps/brain has no service'));
    expect(problems).toContainEqual(expect.stringContaining('service "redis" is neither an app'));
    expect(problems).toContainEqual(expect.stringContaining('service "connect-trigger" must not exist'));
  });

  it('reports a wrong APP, another Dockerfile, an unknown variable and a dangling or unhealthy dependency', () => {
    const broken = base();
    broken.services!.listener = { ...broken.services!.listener!, build: { context: '.', dockerfile: 'infra/docker/Dockerfile', args: ['APP=brain'] } };
    broken.services!.speaker = { ...broken.services!.speaker!, build: { context: 'apps/speaker', dockerfile: 'Dockerfile', args: { APP: 'speaker' } } };
    broken.services!.brain = { ...broken.services!.brain!, environment: ['NATS_URL=nats://nats:4222', 'NAT_URL=typo'], depends_on: { nats: { condition: 'service_healthy' }, redis: { condition: 'service_started' }, 'otel-collector': { condition: 'service_healthy' } } };
    const problems = checkCompose(broken, expectations);
    expect(problems).toContainEqual(expect.stringContaining('service "listener" builds APP="brain"'));
    expect(problems).toContainEqual(expect.stringContaining('service "speaker" must build from infra/docker/Dockerfile'));
    expect(problems).toContainEqual(expect.stringContaining('service "brain" sets NAT_URL, which libs/config does not read'));
    expect(problems).toContainEqual(expect.stringContaining('service "brain" depends on "redis", which is not a service'));
    expect(problems).toContainEqual(expect.stringContaining('"otel-collector" has no healthcheck'));
  });

  it('reports ports that do not parse and host ports published twice', () => {
    const broken = base();
    broken.services!.brain = { ...broken.services!.brain!, ports: ['8080:8080', 'http:80', 306060, '10000-10010:20000-20001/udp'] };
    const problems = checkCompose(broken, expectations);
    expect(problems).toContainEqual(expect.stringContaining('host port 8080/tcp is published by both "brain" and "gateway"'));
    expect(problems).toContainEqual(expect.stringContaining('"http:80" is not'));
    expect(problems).toContainEqual(expect.stringContaining('must be quoted'));
    expect(problems).toContainEqual(expect.stringContaining('ranges differ in length'));
  });

  it('parses the short and long port syntaxes', () => {
    expect(parsePortMapping('127.0.0.1:5060:5060/udp')).toEqual({ hostIp: '127.0.0.1', published: { start: 5060, end: 5060 }, target: { start: 5060, end: 5060 }, protocol: 'udp' });
    expect(parsePortMapping('9090')).toEqual({ hostIp: undefined, published: undefined, target: { start: 9090, end: 9090 }, protocol: 'tcp' });
    expect(parsePortMapping({ target: 80, published: '8080', protocol: 'tcp' }).published).toEqual({ start: 8080, end: 8080 });
    expect(() => parsePortMapping('70000:80')).toThrow(/outside 1-65535/);
    expect(() => parsePortMapping('10010-10000:10010-10000')).toThrow(/ends before it starts/);
  });

  it('interpolates compose variables as a clean checkout would', () => {
    expect(interpolate('${LOG_LEVEL:-info}')).toBe('info');
    expect(interpolate('${API_TOKENS:-}')).toBe('');
    expect(interpolate('a$$b ${X} $Y')).toBe('a$b  ');
    expect(interpolate('${X:-d}', { X: 'set' })).toBe('set');
  });
});

describe('infra/otel/collector.yaml', () => {
  const collector = parse(readWorkspaceFile('infra/otel/collector.yaml')) as {
    receivers: Record<string, { protocols?: Record<string, { endpoint?: string }> }>;
    processors: Record<string, unknown>;
    exporters: Record<string, unknown>;
    extensions?: Record<string, unknown>;
    service: { extensions?: string[]; pipelines: Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }> };
  };

  it('has OTLP in, batch, and debug and Prometheus out, every pipeline naming declared components', () => {
    expect(Object.keys(collector.receivers)).toContain('otlp');
    expect(Object.keys(collector.processors)).toContain('batch');
    expect(Object.keys(collector.exporters)).toEqual(expect.arrayContaining(['debug', 'prometheus']));
    const problems: string[] = [];
    for (const [name, pipeline] of Object.entries(collector.service.pipelines)) {
      for (const [kind, declared] of [['receivers', collector.receivers], ['processors', collector.processors], ['exporters', collector.exporters]] as const) {
        for (const component of pipeline[kind] ?? []) if (!(component in declared)) problems.push(`pipeline ${name} uses undeclared ${kind.slice(0, -1)} ${component}`);
      }
      if (!pipeline.processors?.includes('batch')) problems.push(`pipeline ${name} does not batch`);
    }
    for (const extension of collector.service.extensions ?? []) if (!(extension in (collector.extensions ?? {}))) problems.push(`undeclared extension ${extension}`);
    expect(collector.service.pipelines.traces, 'a traces pipeline').toBeDefined();
    expect(problems).toEqual([]);
  });

  it('listens for OTLP/HTTP on every interface at the port the services send to', () => {
    const endpoint = collector.receivers.otlp?.protocols?.http?.endpoint;
    const sendsTo = new URL(serviceEnvironment(services.brain!).OTEL_EXPORTER_OTLP_ENDPOINT ?? '');
    expect(endpoint).toBe(`0.0.0.0:${sendsTo.port}`);
    const volumes = (services['otel-collector']?.volumes ?? []) as string[];
    expect(volumes.some((v) => v.startsWith('./infra/otel/collector.yaml:')), 'otel-collector mounts infra/otel/collector.yaml').toBe(true);
  });
});
