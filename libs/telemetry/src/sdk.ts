import { trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { RecentSpans } from './recent-spans';

export interface TelemetryOptions {
  readonly serviceName: string;
  /** OTLP/HTTP base URL (e.g. http://collector:4318); spans go to `<url>/v1/traces`. */
  readonly otlpEndpoint?: string | undefined;
  readonly recentSpanCapacity?: number;
}

export interface Telemetry {
  readonly serviceName: string;
  /** The last spans ended in this process (always on, bounded). */
  readonly recentSpans: RecentSpans;
  tracer(name: string): Tracer;
  /** Flushes exporters; call once at process exit. */
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry NodeSDK once per process: W3C trace context
 * propagation, async-hooks context, OTLP export when configured, and the
 * bounded in-memory span buffer always.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const recentSpans = new RecentSpans(options.recentSpanCapacity);
  const spanProcessors: SpanProcessor[] = [recentSpans];
  if (options.otlpEndpoint) {
    const url = `${options.otlpEndpoint.replace(/\/+$/, '')}/v1/traces`;
    spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url })));
  }
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName, [ATTR_SERVICE_VERSION]: '0.1.0' }),
    autoDetectResources: false,
    spanProcessors,
    instrumentations: [],
  });
  sdk.start();
  let stopped: Promise<void> | undefined;
  return {
    serviceName: options.serviceName,
    recentSpans,
    tracer: (name) => trace.getTracer(name),
    shutdown: () => (stopped ??= sdk.shutdown()),
  };
}
