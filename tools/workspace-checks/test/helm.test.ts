import { configVariables, loadConfig } from '@voiceagent/config';
import { describe, expect, it } from 'vitest';
import { parseCompose } from '../src/compose';
import { parseDockerfile } from '../src/dockerfile';
import {
  checkChart,
  checkTemplateStructure,
  hasValuesPath,
  helmChartDir,
  inlineSecrets,
  readChart,
  secretVariablePattern,
  templateActions,
  templateEnvNames,
  templateNames,
  valuesEnvNames,
  valuesReferences,
  type ChartFiles,
} from '../src/helm';
import { loadBundleTool } from '../src/build-tool';
import { projectsUnder, readWorkspaceFile } from '../src/workspace';

interface PortValues {
  name: string;
  port: number;
  env?: string;
  addressEnv?: string;
  protocols?: string[];
}

interface ServiceValues {
  enabled: boolean;
  image: { repository: string; tag?: string };
  replicas?: number;
  hostNetwork?: boolean;
  knowledge?: boolean;
  models?: boolean;
  ports?: PortValues[];
  rtp?: { portMin: number; portMax: number };
  env?: Record<string, unknown>;
  shutdownGraceMs?: number;
  autoscaling?: { enabled: boolean; minReplicas: number; maxReplicas: number; targetCPUUtilizationPercentage: number };
  podDisruptionBudget?: { enabled: boolean; maxUnavailable?: number; minAvailable?: number };
  resources?: { requests?: { cpu?: string; memory?: string } };
}

interface Values {
  nats: { url: string };
  secrets: { existingSecret: string; variables: Record<string, string[]> };
  env: Record<string, unknown>;
  knowledge: { mountPath: string; key: string };
  dataDir: string;
  models: { path: string };
  healthPort: number;
  shutdownGraceMs: number;
  terminationExtraSeconds: number;
  podSecurityContext: Record<string, unknown>;
  containerSecurityContext: Record<string, unknown>;
  services: Record<string, ServiceValues>;
}

const { lambdaApps } = await loadBundleTool();
const apps = projectsUnder('apps').map((p) => p.root.slice('apps/'.length));
const chartFiles = readChart();
const values = chartFiles.values as unknown as Values;
const services = values.services;
const template = (name: string) => chartFiles.templates.get(`templates/${name}`) ?? '';
const defaults = loadConfig({});

const text = (value: unknown) => (value === null || value === undefined ? '' : String(value));

/** The environment the chart gives a service, as its templates build it from values (secrets left out). */
function chartEnvironment(name: string): Record<string, string> {
  const service = services[name]!;
  const env: Record<string, string> = {
    HEALTH_PORT: String(values.healthPort),
    SHUTDOWN_GRACE_MS: String(service.shutdownGraceMs ?? values.shutdownGraceMs),
    NATS_URL: values.nats.url,
    DATA_DIR: values.dataDir,
  };
  if (service.knowledge) env.KNOWLEDGE_FILE = `${values.knowledge.mountPath}/${values.knowledge.key}`;
  if (service.models) env.VOICE_AGENT_MODELS = values.models.path;
  for (const port of service.ports ?? []) if (port.env) env[port.env] = String(port.port);
  if (service.rtp) Object.assign(env, { RTP_PORT_MIN: String(service.rtp.portMin), RTP_PORT_MAX: String(service.rtp.portMax), SIP_PUBLIC_ADDRESS: '10.0.0.1' });
  for (const [other, otherService] of Object.entries(services)) {
    for (const port of otherService.ports ?? []) if (port.addressEnv) env[port.addressEnv] = `release-voice-agent-${other}:${port.port}`;
  }
  for (const [variable, value] of Object.entries({ ...values.env, ...service.env })) if (text(value) !== '') env[variable] = text(value);
  return env;
}

describe(`${helmChartDir}`, () => {
  it('is a v2 application chart whose appVersion is the workspace version', () => {
    const { chart } = chartFiles;
    expect(chart.apiVersion).toBe('v2');
    expect(chart.name).toBe('voice-agent');
    expect(chart.type).toBe('application');
    expect(String(chart.version)).toMatch(/^\d+\.\d+\.\d+/);
    const workspaceVersion = (JSON.parse(readWorkspaceFile('package.json')) as { version: string }).version;
    expect(chart.appVersion, 'appVersion (the default image tag) follows package.json').toBe(workspaceVersion);
  });

  it('has a service entry for every app but the Lambda, each image named as docker compose names it', () => {
    const containerised = apps.filter((app) => !lambdaApps.includes(app)).sort();
    expect(containerised.length).toBeGreaterThan(0);
    expect(Object.keys(services).sort()).toEqual(containerised);
    const project = parseCompose(readWorkspaceFile('docker-compose.yml')).name;
    for (const app of containerised) {
      expect(services[app]!.enabled, `services.${app}.enabled`).toBe(true);
      expect(services[app]!.image.repository, `services.${app}.image.repository`).toBe(`${String(project)}-${app}`);
    }
  });

  it('renders one Deployment per service from the shared named template', () => {
    expect(template('deployments.yaml')).toMatch(/range \$name, \$service := \.Values\.services/);
    expect(template('deployments.yaml')).toContain('include "voiceagent.deployment"');
    const declaring = [...chartFiles.templates].filter(([, body]) => /^kind: Deployment$/m.test(body)).map(([file]) => file);
    expect(declaring).toEqual(['templates/_deployment.tpl']);
  });

  it('is well formed and sets only variables libs/config reads: blocks balanced, includes defined, .Values paths present, no inline secrets', () => {
    expect(chartFiles.templates.size).toBeGreaterThan(5);
    expect(checkChart(chartFiles, { configVariables })).toEqual([]);
  });

  it('routes every secret the services read through the existing Secret, to services that exist', () => {
    // NATS_CREDS is a file path (nats.credsSecret mounts the file); SESSION_API_TOKEN belongs to the Lambda.
    const notRouted = ['NATS_CREDS', 'SESSION_API_TOKEN'];
    const secretVariables = configVariables.filter((name) => secretVariablePattern.test(name) && !notRouted.includes(name));
    expect(Object.keys(values.secrets.variables).sort()).toEqual(expect.arrayContaining(secretVariables.sort()));
    expect(values.secrets.existingSecret, 'no Secret is assumed by default').toBe('');
    for (const [variable, receivers] of Object.entries(values.secrets.variables)) {
      for (const receiver of receivers) expect(receiver === '*' || receiver in services, `secrets.variables.${variable}: ${receiver}`).toBe(true);
    }
    expect(values.secrets.variables.DATABASE_URL?.sort()).toEqual(['booking', 'escalation']);
    expect(template('_helpers.tpl')).toMatch(/secretKeyRef:\s*\n\s*name: \{\{ \$secret \}\}\s*\n\s*key: \{\{ \$variable \}\}/);
  });

  it('gives every service a configuration libs/config accepts, listening on the ports its Service exposes', () => {
    for (const name of Object.keys(services)) {
      const env = chartEnvironment(name);
      expect(() => loadConfig(env), `services.${name}`).not.toThrow();
      for (const port of services[name]!.ports ?? []) {
        expect(port.env, `services.${name}.ports ${port.name} names the variable that sets it`).toBeDefined();
        expect(port.port, `services.${name}.ports ${port.name} is the libs/config default of ${port.env}`).toBe(defaults[port.env as keyof typeof defaults]);
        expect(port.name.length + '-udp'.length, 'port names fit 15 characters').toBeLessThanOrEqual(15);
      }
    }
    // The brain and media reach booking and escalation by these.
    const addresses = Object.values(services).flatMap((s) => (s.ports ?? []).map((p) => p.addressEnv)).filter(Boolean);
    expect(addresses.sort()).toEqual(['BOOKING_ADDRESS', 'ESCALATION_ADDRESS']);
  });

  it('exposes SIP over UDP and TCP and the RTP range on media, consistent with the defaults', () => {
    const media = services.media!;
    const sip = media.ports?.find((port) => port.env === 'SIP_PORT');
    expect(sip?.port, 'the SIP port is libs/config\'s SIP_PORT default').toBe(defaults.SIP_PORT);
    expect(sip?.protocols?.sort()).toEqual(['TCP', 'UDP']);
    const rtp = media.rtp!;
    expect(rtp.portMin, 'RTP starts at libs/config\'s RTP_PORT_MIN').toBe(defaults.RTP_PORT_MIN);
    expect(rtp.portMax).toBeLessThanOrEqual(defaults.RTP_PORT_MAX);
    expect(rtp.portMin % 2, 'an even first port').toBe(0);
    expect((rtp.portMax - rtp.portMin + 1) % 2, 'whole even/odd pairs').toBe(0);
    const maxCalls = Number(media.env?.MAX_CALLS ?? values.env.MAX_CALLS ?? defaults.MAX_CALLS);
    expect((rtp.portMax - rtp.portMin + 1) / 2, 'a pair for every call of MAX_CALLS').toBeGreaterThanOrEqual(maxCalls);
    // On the node's network by default: a Service cannot publish thousands of UDP ports.
    expect(media.hostNetwork).toBe(true);
    expect(template('_deployment.tpl')).toMatch(/if \$service\.hostNetwork \}\}\s*\n\s*hostNetwork: true\s*\n\s*dnsPolicy: ClusterFirstWithHostNet/);
    // The range is read from one place: the env helper and the hostPorts of the pod-network mode.
    expect(template('_helpers.tpl')).toMatch(/name: RTP_PORT_MIN\s*\n\s*value: \{\{ \.portMin \| int \| quote \}\}/);
    expect(template('_helpers.tpl')).toMatch(/name: RTP_PORT_MAX\s*\n\s*value: \{\{ \.portMax \| int \| quote \}\}/);
    expect(template('_deployment.tpl')).toMatch(/untilStep \(\$service\.rtp\.portMin \| int\) \(add \(\$service\.rtp\.portMax \| int\) 1/);
    expect(template('_helpers.tpl')).toMatch(/fieldPath: status\.hostIP/);
  });

  it('autoscales every service but media on CPU, and keeps media\'s calls with a PodDisruptionBudget', () => {
    for (const [name, service] of Object.entries(services)) {
      if (name === 'media') continue;
      const autoscaling = service.autoscaling;
      expect(autoscaling?.enabled, `services.${name}.autoscaling.enabled`).toBe(true);
      expect(autoscaling!.minReplicas).toBeGreaterThanOrEqual(1);
      expect(autoscaling!.maxReplicas).toBeGreaterThanOrEqual(autoscaling!.minReplicas);
      expect(autoscaling!.targetCPUUtilizationPercentage).toBeGreaterThan(0);
      expect(autoscaling!.targetCPUUtilizationPercentage).toBeLessThanOrEqual(100);
      expect(service.resources?.requests?.cpu, `services.${name}: CPU utilisation is measured against requests`).toBeDefined();
    }
    expect(services.media!.autoscaling).toBeUndefined();
    expect(services.media!.podDisruptionBudget?.enabled).toBe(true);
    expect(template('hpa.yaml')).toContain('apiVersion: autoscaling/v2');
    expect(template('pdb.yaml')).toContain('apiVersion: policy/v1');
  });

  it('probes /livez and /healthz on HEALTH_PORT and waits longer than SHUTDOWN_GRACE_MS before killing', () => {
    const dockerfile = parseDockerfile(readWorkspaceFile('infra/docker/Dockerfile'));
    const runtime = dockerfile.stages.at(-1)!;
    const exposed = runtime.instructions.filter((i) => i.keyword === 'EXPOSE').flatMap((i) => i.args.split(/\s+/)).map((port) => Number.parseInt(port, 10));
    expect(values.healthPort, 'the health port is libs/config\'s HEALTH_PORT default').toBe(defaults.HEALTH_PORT);
    expect(exposed, 'and the one the image exposes').toContain(values.healthPort);
    const deployment = template('_deployment.tpl');
    expect(deployment).toMatch(/livenessProbe:\s*\n\s*httpGet:\s*\n\s*path: \/livez\s*\n\s*port: health/);
    expect(deployment).toMatch(/readinessProbe:\s*\n\s*httpGet:\s*\n\s*path: \/healthz\s*\n\s*port: health/);
    expect(deployment).toMatch(/- name: health\s*\n\s*containerPort: \{\{ include "voiceagent\.healthPort" \. \}\}/);
    expect(template('_helpers.tpl')).toMatch(/name: HEALTH_PORT\s*\n\s*value: \{\{ include "voiceagent\.healthPort" \. \| quote \}\}/);
    // One grace for both: the variable and the pod's termination grace period (which adds terminationExtraSeconds).
    expect(template('_helpers.tpl')).toMatch(/name: SHUTDOWN_GRACE_MS\s*\n\s*value: \{\{ include "voiceagent\.shutdownGraceMs" \. \| quote \}\}/);
    expect(template('_helpers.tpl')).toMatch(/\$graceMs := include "voiceagent\.shutdownGraceMs" \. \| int64/);
    expect(deployment).toContain('terminationGracePeriodSeconds: {{ include "voiceagent.terminationGracePeriodSeconds" . }}');
    expect(values.terminationExtraSeconds).toBeGreaterThanOrEqual(5);
  });

  it('runs as the image\'s non-root user on a read-only root file system, /tmp and DATA_DIR writable', () => {
    expect(values.podSecurityContext.runAsNonRoot).toBe(true);
    expect(values.podSecurityContext.runAsUser).not.toBe(0);
    expect(values.containerSecurityContext.readOnlyRootFilesystem).toBe(true);
    expect(values.containerSecurityContext.allowPrivilegeEscalation).toBe(false);
    const deployment = template('_deployment.tpl');
    expect(deployment).toMatch(/- name: tmp\s*\n\s*mountPath: \/tmp/);
    expect(deployment).toMatch(/- name: data\s*\n\s*mountPath: \{\{ \$root\.Values\.dataDir \}\}/);
    // DATA_DIR is the image's writable directory: the working directory's ./data (libs/config's default).
    const runtime = parseDockerfile(readWorkspaceFile('infra/docker/Dockerfile')).stages.at(-1)!;
    const workdir = runtime.instructions.filter((i) => i.keyword === 'WORKDIR').at(-1)?.args;
    expect(values.dataDir).toBe(`${workdir}/${defaults.DATA_DIR.replace(/^\.\//, '')}`);
    expect(runtime.instructions.some((i) => i.keyword === 'RUN' && i.args.includes(`chown node:node ${values.dataDir}`)), 'the image makes it writable').toBe(true);
  });

  it('documents install commands in infra/helm/README.md that use only values the chart has', () => {
    const readme = readWorkspaceFile('infra/helm/README.md');
    const commands = readme.replace(/\\\n\s*/g, ' ').split('\n').filter((line) => /\bhelm (install|upgrade)\b.*infra\/helm\/voice-agent/.test(line));
    expect(commands.length, 'an install command for this chart').toBeGreaterThan(0);
    const paths = commands.flatMap((line) => [...line.matchAll(/--set(?:-string|-file)?[ =]'?([^=\s']+)=/g)].map((m) => m[1]!));
    expect(paths.length).toBeGreaterThan(0);
    const missing = paths
      .map((path) => path.replace(/\[\d+\]/g, ''))
      .filter((path) => {
        // Helm's --set escapes dots inside a key: eks\.amazonaws\.com/role-arn.
        const parts = path.split(/(?<!\\)\./).map((part) => part.replace(/\\\./g, '.'));
        // A key under a free-form mapping (annotations, env) needs only the mapping.
        return !hasValuesPath(values, parts) && !hasValuesPath(values, parts.slice(0, -1));
      });
    expect(missing).toEqual([]);
    for (const topic of ['config.jetstream.enabled=true', 'eks.amazonaws.com/role-arn', 'DATABASE_URL', 'hostNetwork']) expect(readme).toContain(topic);
  });
});

describe('helm checks catch mistakes', () => {
  const broken = (templates: Record<string, string>, values: Record<string, unknown> = chartFiles.values): ChartFiles => ({
    chart: chartFiles.chart,
    values,
    templates: new Map(Object.entries(templates)),
  });

  it('reads actions, skipping comments and braces inside strings', () => {
    const { actions, problems } = templateActions('a {{- /* note }} */ -}} b {{ printf "}}" | quote }}\n{{ if (eq 1 1) -}} x {{- end }}');
    expect(problems).toEqual([]);
    expect(actions).toEqual([
      { body: 'printf "}}" | quote', line: 1 },
      { body: 'if (eq 1 1)', line: 2 },
      { body: 'end', line: 2 },
    ]);
  });

  it('reports unclosed delimiters, comments and parentheses', () => {
    expect(templateActions('a {{ .Values.x \nb').problems).toEqual(['line 1: {{ is never closed with }}']);
    expect(templateActions('{{ .x \n{{ .y }}').problems).toEqual(['line 2: {{ inside the action opened at line 1 (a missing }}?)']);
    expect(templateActions('{{/* note }}').problems).toEqual(['line 1: comment {{/* is never closed with */}}']);
    expect(templateActions('{{ include "x" (dict "a" 1 }}').problems).toEqual(['line 1: 1 "(" never closed in the action']);
  });

  it('reports blocks never ended, ends and elses out of place, and a define inside a block', () => {
    expect(checkTemplateStructure('{{ if .a }}\n{{ range .b }}\n{{ end }}', 't.yaml')).toEqual(['t.yaml line 1: {{ if }} is never closed with {{ end }}']);
    expect(checkTemplateStructure('{{ with .a }}{{ end }}\n{{ end }}', 't.yaml')).toEqual(['t.yaml line 2: {{ end }} closes nothing']);
    expect(checkTemplateStructure('{{ else }}{{ break }}', 't.yaml')).toEqual(['t.yaml line 1: {{ else }} outside if, with or range', 't.yaml line 1: {{ break }} outside range']);
    expect(checkTemplateStructure('{{ if .a }}\n{{ define "x" }}{{ end }}\n{{ end }}', 't.yaml')).toEqual(['t.yaml line 2: define inside {{ if }} (line 1); templates are defined at the top level']);
    expect(checkTemplateStructure('{{- define "x" -}}\n{{- if .a }}a{{- else if .b }}b{{ else }}c{{ end }}\n{{- end }}', 't.yaml')).toEqual([]);
  });

  it('reports a renamed variable, a missing include, a .Values path values.yaml lacks and a twice-defined template', () => {
    const problems = checkChart(
      broken({
        'templates/a.yaml': 'env:\n  - name: NAT_URL\n    value: {{ .Values.nats.uri | quote }}\n{{ include "voiceagent.nope" . }}\n{{ define "x" }}{{ end }}',
        'templates/b.yaml': '{{ define "x" }}{{ end }}',
      }),
      { configVariables },
    );
    expect(problems).toContainEqual('templates/a.yaml sets NAT_URL, which libs/config does not read');
    expect(problems).toContainEqual('templates/a.yaml reads .Values.nats.uri, which values.yaml does not have');
    expect(problems).toContainEqual('templates/a.yaml includes "voiceagent.nope", which no template defines');
    expect(problems).toContainEqual('templates/b.yaml defines "x", already defined in templates/a.yaml');
  });

  it('reports values that set unknown variables or put secrets inline', () => {
    const values = structuredClone(chartFiles.values) as unknown as Values;
    values.env.STT_ENGIN = 'deepgram';
    values.services.listener!.env = { DEEPGRAM_API_KEY: 'dg-secret' };
    values.services.booking!.env = { DATABASE_URL: 'postgres://voiceagent:hunter2@db:5432/voiceagent' };
    values.services.booking!.ports![0]!.addressEnv = 'BOOKING_ADDR';
    const problems = checkChart(broken({}, values as unknown as Record<string, unknown>), { configVariables });
    expect(problems).toContainEqual('values.yaml env.STT_ENGIN sets STT_ENGIN, which libs/config does not read');
    expect(problems).toContainEqual('values.yaml services.booking.ports[0].addressEnv sets BOOKING_ADDR, which libs/config does not read');
    expect(problems).toContainEqual('values.yaml services.listener.env.DEEPGRAM_API_KEY has an inline value: secrets come from secrets.existingSecret (secrets.variables)');
    expect(problems).toContainEqual('values.yaml services.booking.env.DATABASE_URL has an inline value: secrets come from secrets.existingSecret (secrets.variables)');
    expect(problems).toContainEqual('values.yaml services.booking.env.DATABASE_URL holds a URL with a password');
    expect(inlineSecrets({ env: { API_TOKENS: '' }, nats: { url: 'nats://nats:4222' } })).toEqual([]);
  });

  it('collects names from templates and values', () => {
    expect(templateEnvNames('- name: HEALTH_PORT\n  {{ get .env "MAX_CALLS" }} {{ .env.SIP_ALLOWED_SOURCES }} "TCP"\n- name: health')).toEqual(['HEALTH_PORT', 'SIP_ALLOWED_SOURCES', 'MAX_CALLS']);
    expect(templateNames('{{ define "a" }}{{ include "b" . }}{{ template "c" }}{{ end }}')).toEqual({ defined: ['a'], used: ['b', 'c'] });
    expect(valuesReferences('{{ $root.Values.a.b }} {{ .root.Values.c }} {{ $.Values.d.e | quote }}').sort()).toEqual(['a.b', 'c', 'd.e']);
    expect([...valuesEnvNames({ env: { A_B: 1 }, s: { ports: [{ env: 'C_D', addressEnv: 'E_F' }] }, secrets: { variables: { G_H: ['*'] } } }).keys()]).toEqual(['A_B', 'C_D', 'E_F', 'G_H']);
    expect(hasValuesPath({ a: { b: {} } }, 'a.b')).toBe(true);
    expect(hasValuesPath({ a: { b: '' } }, 'a.b.c')).toBe(false);
  });
});
