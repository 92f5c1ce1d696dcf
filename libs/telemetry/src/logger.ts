import { trace } from '@opentelemetry/api';
import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';
import { countError } from './metrics';

export type Logger = PinoLogger;

export interface LoggerOptions {
  readonly service: string;
  readonly level?: string;
  /** Defaults to stdout, written synchronously so no line is lost when the process exits. */
  readonly destination?: DestinationStream;
}

/** pino's numeric level of `error` (`fatal` is above it). */
const ERROR_LEVEL = 50;

/**
 * Structured JSON logs, one object per line, with the service name and, inside
 * a span, its trace_id and span_id, so logs and traces join up. Every error
 * logged is also counted in the `voiceagent.errors` metric, by service.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        logMethod(args, method, level) {
          if (level >= ERROR_LEVEL) countError(String(this.bindings()['service'] ?? options.service));
          method.apply(this, args);
        },
      },
      mixin() {
        const span = trace.getActiveSpan();
        if (!span) return {};
        const { traceId, spanId } = span.spanContext();
        return { trace_id: traceId, span_id: spanId };
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
