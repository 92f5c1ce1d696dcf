import { z } from 'zod';

/**
 * Every environment variable the system reads, in one place. README.md
 * documents each of them (a test keeps the two in step).
 */

const port = (fallback: number) =>
  z.coerce
    .number({ error: 'must be a port number' })
    .int('must be a whole number')
    .min(0, 'must be between 0 and 65535 (0 picks a free port)')
    .max(65535, 'must be between 0 and 65535 (0 picks a free port)')
    .default(fallback);

const natsUrls = z
  .string()
  .refine(
    (value) => value.split(',').every((u) => /^(nats|tls|ws|wss):\/\/[^\s]+$/.test(u.trim())),
    'must be one or more comma-separated nats://host:port URLs',
  );

const milliseconds = (fallback: number) =>
  z.coerce.number({ error: 'must be a number of milliseconds' }).int('must be a whole number').min(0, 'must not be negative').default(fallback);

export const configSchema = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')
    .describe('Log level for the JSON logs.'),
  HTTP_PORT: port(8080).describe('Gateway HTTP port (control plane, console, `GET /healthz`).'),
  HTTP_HOST: z.string().default('0.0.0.0').describe('Address the gateway HTTP server binds to.'),
  SIP_PORT: port(5060).describe('SIP port (UDP and TCP) of the media service.'),
  HEALTH_PORT: port(9090).describe('Health endpoint (`/healthz`, `/livez`) of a service run on its own.'),
  NATS_URL: natsUrls.optional()
    .describe('NATS server URL(s). Unset: `npm start` uses the in-process bus. Required for a service run on its own.'),
  NATS_CREDS: z.string().optional().describe('Path to a NATS .creds file (JWT + NKey).'),
  NATS_TOKEN: z.string().optional().describe('NATS token authentication.'),
  NATS_USER: z.string().optional().describe('NATS user (with NATS_PASSWORD).'),
  NATS_PASSWORD: z.string().optional().describe('NATS password (with NATS_USER).'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url('must be a URL such as http://collector:4318').optional()
    .describe('OTLP/HTTP endpoint for traces. Unset: spans are kept in memory (last 2,000).'),
  OTEL_SERVICE_NAME: z.string().optional().describe('Overrides the service name in traces.'),
  SHUTDOWN_GRACE_MS: milliseconds(30_000).describe('How long a stopping service waits for in-flight work (calls) to finish.'),
  API_TOKENS: z.string().optional()
    .describe('Comma-separated bearer tokens for the gateway API (`/v1/...`). Unset: the API answers loopback clients only.'),
  SESSION_API_URL: z.url('must be a URL such as https://gateway.example.com').optional()
    .describe('Where the connect-trigger Lambda posts sessions (the gateway base URL).'),
  SESSION_API_TOKEN: z.string().optional().describe('Bearer token the connect-trigger Lambda sends to the session API.'),
  DATA_DIR: z.string().default('./data').describe('Where embedded state lives (PGlite database, recordings).'),
}).superRefine((env, ctx) => {
  if ((env.NATS_USER === undefined) !== (env.NATS_PASSWORD === undefined)) {
    ctx.addIssue({ code: 'custom', path: [env.NATS_USER === undefined ? 'NATS_USER' : 'NATS_PASSWORD'], message: 'NATS_USER and NATS_PASSWORD go together' });
  }
});

export type Config = z.infer<typeof configSchema>;

/** The names of every variable in the schema, for documentation checks. */
export const configVariables: readonly string[] = Object.keys(configSchema.shape);
