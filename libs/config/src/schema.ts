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
  SIP_HOST: z.string().default('0.0.0.0').describe('Address the SIP listeners (UDP and TCP) bind to.'),
  SIP_TRANSPORTS: z.string().default('udp,tcp')
    .refine((value) => value.split(',').every((t) => ['udp', 'tcp'].includes(t.trim())), 'must be udp, tcp or udp,tcp')
    .describe('SIP transports to listen on.'),
  SIP_PUBLIC_ADDRESS: z.string().optional()
    .describe('Address advertised in SDP and Contact (behind NAT or in Kubernetes). Unset: the SIP_HOST address, or the first non-loopback IPv4 when SIP_HOST is 0.0.0.0.'),
  SIP_ALLOWED_SOURCES: z.string().optional()
    .describe('Comma-separated CIDRs allowed to send SIP (e.g. your trunk provider). Unset: loopback only, unless SIP_DIGEST_USERS is set.'),
  SIP_DIGEST_USERS: z.string().optional()
    .refine((value) => value === undefined || value.split(',').every((pair) => /^[^:\s]+:\S+$/.test(pair.trim())), 'must be user:password pairs separated by commas')
    .describe('Comma-separated user:password pairs; when set, INVITEs must pass SIP digest authentication.'),
  SIP_DIGEST_REALM: z.string().default('voice-agent').describe('Realm of the SIP digest challenge.'),
  SIP_RATE_LIMIT: z.coerce.number({ error: 'must be a number of requests per second' }).positive('must be positive').default(50)
    .describe('SIP requests per second accepted from one source address (bursts up to twice that); the rest are dropped.'),
  MAX_CALLS: z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1').default(500)
    .describe('Concurrent calls the media service carries; further INVITEs get 503 with Retry-After.'),
  SIP_ANSWER_DELAY_MS: milliseconds(0).describe('Ring (180) this long before answering an INVITE; 0 answers at once.'),
  RTP_PORT_MIN: port(10000).describe('Lowest UDP port for RTP.'),
  RTP_PORT_MAX: port(20000).describe('Highest UDP port for RTP.'),
  MEDIA_ECHO: z.stringbool({ error: 'must be true/false, 1/0, yes/no or on/off' }).default(false)
    .describe('Echo mode: play each caller\'s audio back to them (a line test without the speech stages).'),
  SERVICES: z.string().optional()
    .describe('Comma-separated services `npm start` runs (e.g. `media` for a line test). Unset: all of them.'),
  KNOWLEDGE_FILE: z.string().default('examples/knowledge.yaml')
    .describe('The business knowledge file (YAML): hours, services, FAQs, transfer targets, messages. Reloaded when it changes.'),
  BRAIN_ENGINE: z.enum(['local', 'bedrock', 'openai'], { error: 'must be local, bedrock or openai' }).default('local')
    .describe('Dialogue engine: `local` (deterministic policy, offline), `bedrock` (ConverseStream) or `openai` (any OpenAI-compatible chat completions server).'),
  OPENAI_BASE_URL: z.url('must be a URL such as http://127.0.0.1:11434/v1').default('https://api.openai.com/v1')
    .describe('OpenAI-compatible chat completions base URL for BRAIN_ENGINE=openai (OpenAI, Azure OpenAI, Ollama, vLLM, llama.cpp server).'),
  OPENAI_API_KEY: z.string().optional().describe('API key sent as a bearer token to OPENAI_BASE_URL (not needed by most local servers).'),
  OPENAI_MODEL: z.string().default('gpt-4o-mini').describe('Model name for BRAIN_ENGINE=openai.'),
  NOTIFY_WEBHOOKS: z.string().optional()
    .describe('Comma-separated URLs that receive new handoffs and voicemails as signed JSON POSTs (at least once, retried with backoff).'),
  NOTIFY_WEBHOOK_SECRET: z.string().optional().describe('HMAC-SHA256 key for the `X-Signature` header of webhook notifications.'),
  VOICEMAIL_DIR: z.string().default('./data/voicemail').describe('Where voicemail recordings (WAV) are stored.'),
  GRPC_HOST: z.string().default('0.0.0.0').describe('Address the booking and escalation gRPC servers bind to.'),
  BOOKING_GRPC_PORT: port(50051).describe('Port of the booking gRPC server.'),
  BOOKING_ADDRESS: z.string().default('127.0.0.1:50051').describe('Where clients reach BookingService (host:port).'),
  ESCALATION_GRPC_PORT: port(50052).describe('Port of the escalation gRPC server.'),
  ESCALATION_ADDRESS: z.string().default('127.0.0.1:50052').describe('Where clients reach EscalationService (host:port).'),
  HEALTH_PORT: port(9090).describe('Health endpoint (`/healthz`, `/livez`) of a service run on its own.'),
  NATS_URL: natsUrls.optional()
    .describe('NATS server URL(s). Unset: `npm start` uses the in-process bus. Required for a service run on its own.'),
  NATS_CREDS: z.string().optional().describe('Path to a NATS .creds file (JWT + NKey).'),
  NATS_TOKEN: z.string().optional().describe('NATS token authentication.'),
  NATS_USER: z.string().optional().describe('NATS user (with NATS_PASSWORD).'),
  NATS_PASSWORD: z.string().optional().describe('NATS password (with NATS_USER).'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url('must be a URL such as http://collector:4318').optional()
    .describe('OTLP/HTTP endpoint for traces and metrics. Unset: spans are kept in memory (last 2,000); metrics are still served as Prometheus text on `/metrics`.'),
  OTEL_SERVICE_NAME: z.string().optional().describe('Overrides the service name in traces.'),
  SHUTDOWN_GRACE_MS: milliseconds(30_000).describe('How long a stopping service waits for in-flight work (calls) to finish.'),
  API_TOKENS: z.string().optional()
    .describe('Comma-separated bearer tokens for the gateway API (`/v1/...`). Unset: the API answers loopback clients only.'),
  SESSION_API_URL: z.url('must be a URL such as https://gateway.example.com').optional()
    .describe('Where the connect-trigger Lambda posts sessions (the gateway base URL).'),
  SESSION_API_TOKEN: z.string().optional().describe('Bearer token the connect-trigger Lambda sends to the session API.'),
  DATA_DIR: z.string().default('./data').describe('Where embedded state lives (PGlite database, recordings).'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres://user:password@host:5432/database URL').optional()
    .describe('PostgreSQL connection URL (`postgres://user:password@host:5432/database`) for the booking and escalation stores; migrations run at start-up. Unset: embedded PGlite under `DATA_DIR/pglite`.'),
  STT_ENGINE: z.enum(['local', 'deepgram', 'aws']).default('local')
    .describe('Speech-to-text engine: `local` (sherpa-onnx streaming zipformer + Silero VAD, offline), `deepgram` (live `/v1/listen`) or `aws` (Transcribe streaming).'),
  VOICE_AGENT_MODELS: z.string().optional()
    .describe('Folder of the offline speech models (`npm run models` fills it). Unset: `~/.cache/voice-agent/models`.'),
  VOICE_AGENT_MODELS_MIRROR: z.string().optional()
    .describe('Local folder to copy missing models from (`<mirror>/<model>/<file>`) before trying the upstream download.'),
  TURN_SILENCE_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int('must be a whole number')
    .min(100, 'must be between 100 and 5000').max(5000, 'must be between 100 and 5000').default(300)
    .describe("Pause after the caller's last speech that ends their turn (the final transcript locks then); shorter pauses mid-sentence do not. The local engine waits `TURN_UNFINISHED_SILENCE_MS` instead while the words so far stop where a sentence cannot end."),
  TURN_UNFINISHED_SILENCE_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int('must be a whole number')
    .min(100, 'must be between 100 and 5000').max(5000, 'must be between 100 and 5000').default(800)
    .describe('Local speech engine: the pause that ends a turn whose last word leaves the sentence hanging (an article, preposition, conjunction or filler: "book a", "on saturday and", "um"), so a caller stopping to think is not cut off. At least `TURN_SILENCE_MS`.'),
  TURN_MIN_SPEECH_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int('must be a whole number')
    .min(32, 'must be between 32 and 2000').max(2000, 'must be between 32 and 2000').default(150)
    .describe('Speech needed before the caller counts as speaking (speech started, barge-in); shorter sounds are ignored.'),
  TURN_VAD_THRESHOLD: z.coerce.number({ error: 'must be a number between 0 and 1' })
    .gt(0, 'must be between 0 and 1 (exclusive)').lt(1, 'must be between 0 and 1 (exclusive)').default(0.5)
    .describe('Voice activity threshold (Silero speech probability); raise it on noisy lines.'),
  TTS_ENGINE: z.enum(['local', 'deepgram', 'aws']).default('local')
    .describe('Text-to-speech engine: `local` (flite or espeak-ng on this machine, from the Debian packages of the same names), `deepgram` (Aura `/v1/speak` WebSocket) or `aws` (Polly).'),
  TTS_VOICE: z.string().optional()
    .describe('Text-to-speech voice. local: a flite voice (`kal`, `slt`, `rms`, `awb`) or `espeak-ng:<voice>` such as `espeak-ng:en-us`; deepgram: an Aura model such as `aura-2-thalia-en`; aws: a Polly voice id such as `Joanna`. Unset: the engine default (`kal`, `aura-2-thalia-en`, `Joanna`).'),
  POLLY_ENGINE: z.enum(['standard', 'neural', 'long-form', 'generative'], { error: 'must be standard, neural, long-form or generative' }).default('neural')
    .describe('Amazon Polly engine for TTS_ENGINE=aws: `neural` (SynthesizeSpeech, pcm 8 kHz) or `generative` (bidirectional StartSpeechSynthesisStream).'),
  STT_LANGUAGE: z.string().default('en-US').describe('Language of the callers (BCP-47), for the Deepgram and AWS speech-to-text engines.'),
  DEEPGRAM_API_KEY: z.string().optional().describe('Deepgram API key, for STT_ENGINE=deepgram and TTS_ENGINE=deepgram.'),
  DEEPGRAM_URL: z.url('must be a URL such as https://api.deepgram.com').default('https://api.deepgram.com')
    .describe('Deepgram API base URL (a self-hosted Deepgram, or an EU endpoint); its WebSocket form is used for streaming.'),
  DEEPGRAM_STT_MODEL: z.string().default('nova-3').describe('Deepgram speech-to-text model for STT_ENGINE=deepgram.'),
  AWS_REGION: z.string().optional()
    .describe('AWS region for Transcribe, Polly, Bedrock and S3 Vectors. Credentials come from the standard AWS credential chain (environment, profile, IAM role).'),
  BEDROCK_MODEL_ID: z.string().default('global.anthropic.claude-haiku-4-5-20251001-v1:0')
    .describe('Bedrock model or inference profile for BRAIN_ENGINE=bedrock.'),
  KNOWLEDGE_SEARCH: z.enum(['local', 'aws'], { error: 'must be local or aws' }).default('local')
    .describe('Knowledge search: `local` (lexical index in process) or `aws` (Titan Text Embeddings V2 + S3 Vectors, for large knowledge bases).'),
  EMBEDDING_MODEL_ID: z.string().default('amazon.titan-embed-text-v2:0').describe('Bedrock embedding model for KNOWLEDGE_SEARCH=aws.'),
  S3_VECTORS_BUCKET: z.string().optional().describe('S3 vector bucket holding the knowledge index, for KNOWLEDGE_SEARCH=aws.'),
  S3_VECTORS_INDEX: z.string().default('knowledge').describe('Vector index name inside S3_VECTORS_BUCKET.'),
}).superRefine((env, ctx) => {
  if ((env.STT_ENGINE === 'deepgram' || env.TTS_ENGINE === 'deepgram') && !env.DEEPGRAM_API_KEY) {
    ctx.addIssue({ code: 'custom', path: ['DEEPGRAM_API_KEY'], message: `is required when ${env.STT_ENGINE === 'deepgram' ? 'STT_ENGINE' : 'TTS_ENGINE'}=deepgram (create one at console.deepgram.com)` });
  }
  if (env.KNOWLEDGE_SEARCH === 'aws' && !env.S3_VECTORS_BUCKET) {
    ctx.addIssue({ code: 'custom', path: ['S3_VECTORS_BUCKET'], message: 'is required when KNOWLEDGE_SEARCH=aws' });
  }
  if (env.RTP_PORT_MIN >= env.RTP_PORT_MAX) {
    ctx.addIssue({ code: 'custom', path: ['RTP_PORT_MAX'], message: 'must be greater than RTP_PORT_MIN' });
  }
  if (env.TURN_UNFINISHED_SILENCE_MS < env.TURN_SILENCE_MS) {
    ctx.addIssue({ code: 'custom', path: ['TURN_UNFINISHED_SILENCE_MS'], message: `must be at least TURN_SILENCE_MS (${env.TURN_SILENCE_MS})` });
  }
  if ((env.NATS_USER === undefined) !== (env.NATS_PASSWORD === undefined)) {
    ctx.addIssue({ code: 'custom', path: [env.NATS_USER === undefined ? 'NATS_USER' : 'NATS_PASSWORD'], message: 'NATS_USER and NATS_PASSWORD go together' });
  }
});

export type Config = z.infer<typeof configSchema>;

/** The names of every variable in the schema, for documentation checks. */
export const configVariables: readonly string[] = Object.keys(configSchema.shape);
