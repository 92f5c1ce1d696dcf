import { loadConfig } from '@voiceagent/config';
import { isEntrypoint } from '@voiceagent/runtime';
import { createLogger } from '@voiceagent/telemetry';
import { HttpSessionApi } from './adapters/http-session-api';
import { serveLocalInvoke } from './adapters/local-invoke-server';
import { triggerSession, type TriggerResult } from './domain/trigger';

/**
 * Composition root of the Amazon Connect trigger Lambda. Configured by
 * SESSION_API_URL and SESSION_API_TOKEN; the Lambda runtime calls `handler`.
 */
const config = loadConfig();
const logger = createLogger({ service: 'connect-trigger', level: config.LOG_LEVEL });
const sessions = new HttpSessionApi(config.SESSION_API_URL ?? `http://127.0.0.1:${config.HTTP_PORT}`, config.SESSION_API_TOKEN);

export async function handler(event: unknown): Promise<TriggerResult> {
  return triggerSession(event, sessions, (level, fields, msg) => logger[level](fields, msg));
}

if (isEntrypoint(import.meta.url)) {
  const server = await serveLocalInvoke(handler, config.HEALTH_PORT);
  logger.info({ port: config.HEALTH_PORT }, 'local Lambda invoke endpoint listening');
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
