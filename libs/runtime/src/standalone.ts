import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NatsBus } from '@voiceagent/bus';
import { ConfigError, loadConfig } from '@voiceagent/config';
import { createLogger, startTelemetry, withTracePropagation } from '@voiceagent/telemetry';
import { startHost, stopOnSignals } from './host';
import type { ServiceDefinition } from './service';

/** True when the module at `moduleUrl` is the script Node was started with. */
export function isEntrypoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(fileURLToPath(moduleUrl)) === realpathSync(script);
  } catch {
    return false;
  }
}

/**
 * Runs one service in its own process against NATS, as docker compose and
 * Helm do (`npx nx serve <app>`): health on HEALTH_PORT, graceful SIGTERM.
 */
export async function runStandalone(definition: ServiceDefinition): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${definition.name}: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger({ service: definition.name, level: config.LOG_LEVEL });
  if (!config.NATS_URL) {
    logger.fatal('NATS_URL is required to run a service on its own (use `npm start` to run every service in one process)');
    process.exit(2);
  }
  const telemetry = startTelemetry({ serviceName: config.OTEL_SERVICE_NAME ?? definition.name, otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  logger.info({ nats: config.NATS_URL }, 'connecting to NATS');
  const nats = await NatsBus.connect({
    servers: config.NATS_URL,
    name: definition.name,
    credsFile: config.NATS_CREDS,
    token: config.NATS_TOKEN,
    user: config.NATS_USER,
    password: config.NATS_PASSWORD,
    onHandlerError: (err, subject) => logger.error({ err, subject }, 'bus handler failed'),
  });
  try {
    const host = await startHost({ services: [definition], bus: withTracePropagation(nats), config, logger, telemetry, healthPort: config.HEALTH_PORT });
    stopOnSignals(host, logger);
  } catch (error) {
    logger.fatal({ err: error }, 'start-up failed');
    await nats.drain().catch(() => undefined);
    process.exit(1);
  }
}
