import type { IncomingMessage, ServerResponse } from 'node:http';
import { metrics, trace, type Meter, type Tracer } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { METER_NAME, VoiceAgentMetrics } from './metrics';
import { RecentSpans } from './recent-spans';

export interface TelemetryOptions {
  readonly serviceName: string;
  /** OTLP/HTTP base URL (e.g. http://collector:4318); spans go to `<url>/v1/traces`, metrics to `<url>/v1/metrics`. */
  readonly otlpEndpoint?: string | undefined;
  readonly recentSpanCapacity?: number;
  /** How often metrics are pushed over OTLP (default 15 s). */
  readonly metricExportIntervalMs?: number;
}

export interface Telemetry {
  readonly serviceName: string;
  /** The last spans ended in this process (always on, bounded). */
  readonly recentSpans: RecentSpans;
  /** The voice agent's instruments (turn latency, budget violations, active calls, errors). */
  readonly metrics: VoiceAgentMetrics;
  tracer(name: string): Tracer;
  meter(name: string): Meter;
  /**
   * Answers `GET /metrics` with the Prometheus text format, so the server a
   * process already runs (health or HTTP API) is the scrape target; returns
   * false for other paths.
   */
  handleMetricsRequest(req: IncomingMessage, res: ServerResponse): boolean;
  /** Flushes exporters; call once at process exit. */
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry once per process: the NodeSDK for traces (W3C trace
 * context propagation, async-hooks context, OTLP export when configured, the
 * bounded in-memory span buffer always) and a meter provider read by the
 * Prometheus endpoint always and pushed over OTLP when configured.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName, [ATTR_SERVICE_VERSION]: '0.1.0' });
  const otlpBase = options.otlpEndpoint?.replace(/\/+$/, '');
  const recentSpans = new RecentSpans(options.recentSpanCapacity);
  const spanProcessors: SpanProcessor[] = [recentSpans];
  if (otlpBase) spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: `${otlpBase}/v1/traces` })));

  // No server of its own: handleMetricsRequest serves it on the process's existing HTTP port.
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const readers: IMetricReader[] = [prometheus];
  if (otlpBase) {
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${otlpBase}/v1/metrics` }),
        exportIntervalMillis: options.metricExportIntervalMs ?? 15_000,
      }),
    );
  }
  const meterProvider = new MeterProvider({ resource, readers });
  // For code that reaches metrics through the API (the logger's error count); the first telemetry of a process wins.
  metrics.setGlobalMeterProvider(meterProvider);

  const sdk = new NodeSDK({
    resource,
    autoDetectResources: false,
    spanProcessors,
    // Metrics are set up above; empty lists stop the SDK from adding OTLP metric and log exporters of its own from the environment.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  let stopped: Promise<void> | undefined;
  return {
    serviceName: options.serviceName,
    recentSpans,
    metrics: new VoiceAgentMetrics(meterProvider.getMeter(METER_NAME)),
    tracer: (name) => trace.getTracer(name),
    meter: (name) => meterProvider.getMeter(name),
    handleMetricsRequest(req, res) {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/metrics') return false;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { 'content-type': 'text/plain', allow: 'GET, HEAD' }).end('method not allowed\n');
        return true;
      }
      prometheus.getMetricsRequestHandler(req, res);
      return true;
    },
    shutdown: () => (stopped ??= Promise.all([sdk.shutdown(), meterProvider.shutdown()]).then(() => undefined)),
  };
}
