import { InProcessBus, NatsBus, type MessageBus } from '@voiceagent/bus';
import { ConfigError, loadConfig } from '@voiceagent/config';
import { startHost, stopOnSignals } from '@voiceagent/runtime';
import { createLogger, startTelemetry, withTracePropagation } from '@voiceagent/telemetry';
import { loadServices } from './services';

/**
 * `npm start`: the whole system in one process. In-process bus by default;
 * with NATS_URL set, the same services talk over NATS.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`voice-agent: ${error.message}\n`);
    process.exit(2);
  }
  const logger = createLogger({ service: 'voice-agent', level: config.LOG_LEVEL });
  let services;
  try {
    services = await loadServices(config.SERVICES);
  } catch (error) {
    process.stderr.write(`voice-agent: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
  const telemetry = startTelemetry({ serviceName: config.OTEL_SERVICE_NAME ?? 'voice-agent', otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const onHandlerError = (err: unknown, subject: string) => logger.error({ err, subject }, 'bus handler failed');
  const bus: MessageBus = config.NATS_URL
    ? await NatsBus.connect({ servers: config.NATS_URL, name: 'voice-agent', credsFile: config.NATS_CREDS, token: config.NATS_TOKEN, user: config.NATS_USER, password: config.NATS_PASSWORD, onHandlerError })
    : new InProcessBus({ onHandlerError });
  try {
    // The gateway serves /healthz on HTTP_PORT; without it the host does.
    const healthPort = services.some((s) => s.name === 'gateway') ? undefined : config.HTTP_PORT;
    const host = await startHost({ services, bus: withTracePropagation(bus), config, logger, telemetry, healthPort });
    stopOnSignals(host, logger);
    logger.info({ http: config.HTTP_PORT, sip: config.SIP_PORT }, 'voice agent ready: GET /healthz');
  } catch (error) {
    logger.fatal({ err: error }, 'start-up failed');
    await bus.drain().catch(() => undefined);
    process.exit(1);
  }
}

void main();
