export { startTelemetry, type Telemetry, type TelemetryOptions } from './sdk';
export { RecentSpans } from './recent-spans';
export { withTracePropagation, injectTraceContext, extractTraceContext } from './bus-propagation';
export { createLogger, type Logger, type LoggerOptions } from './logger';
