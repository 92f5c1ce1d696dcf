import { randomUUID } from 'node:crypto';
import { openDatabase, watchDatabaseHealth, type Database } from '@voiceagent/db';
import { KnowledgeStore, type KnowledgeSource } from '@voiceagent/knowledge';
import { escalation } from '@voiceagent/contracts';
import { isEntrypoint, logCallLifecycle, runStandalone, type HealthRegistry, type ServiceDefinition } from '@voiceagent/runtime';
import { serveGrpc } from '@voiceagent/rpc';
import type { Logger } from '@voiceagent/telemetry';
import { DrizzleEscalationStore } from './adapters/drizzle-escalation-store';
import { escalationHandlers } from './adapters/grpc-escalation-server';
import { WavRecordings } from './adapters/wav-recordings';
import { WebhookNotifier } from './adapters/webhook-notifier';
import { EscalationDesk } from './domain/escalation-desk';
import type { Backoff } from './domain/escalation';
import type { Clock } from './ports/clock';

/** Composition root of the escalation service: gRPC EscalationService over Postgres/PGlite, plus the webhook notifier. */

/** Delivery tuning; tests shorten it, production keeps the defaults. */
export interface NotifyTuning {
  /** How often the outbox is polled. */
  readonly pollMs?: number;
  /** Retry delays: doubling from baseMs up to maxMs, with jitter. */
  readonly backoff?: Backoff;
  /** Per-request timeout of a webhook POST. */
  readonly timeoutMs?: number;
}

export interface EscalationServerOptions extends NotifyTuning {
  readonly knowledge: KnowledgeSource;
  readonly database: Database;
  readonly logger: Logger;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly voicemailDir: string;
  readonly webhooks: readonly string[];
  readonly webhookSecret: string | undefined;
  /** How long stop() lets calls in flight finish before cutting them. */
  readonly graceMs: number;
  readonly clock?: Clock;
  readonly health?: HealthRegistry;
}

export interface EscalationServer {
  readonly port: number;
  /** Stops the gRPC server and the notifier; the database and knowledge stay with their owner. */
  stop(): Promise<void>;
}

const systemClock: Clock = { now: () => new Date() };
export const DEFAULT_TUNING = { pollMs: 1_000, backoff: { baseMs: 1_000, maxMs: 5 * 60_000 }, timeoutMs: 10_000 } as const;

/** Starts EscalationService and its notifier on given dependencies. */
export async function startEscalationServer(options: EscalationServerOptions): Promise<EscalationServer> {
  const store = new DrizzleEscalationStore(options.database.db);
  const clock = options.clock ?? systemClock;
  // Built first: a bad webhook URL fails start-up before the port is taken.
  const notifier =
    options.webhooks.length > 0
      ? new WebhookNotifier(store, {
          urls: options.webhooks,
          secret: options.webhookSecret,
          pollMs: options.pollMs ?? DEFAULT_TUNING.pollMs,
          backoff: options.backoff ?? DEFAULT_TUNING.backoff,
          timeoutMs: options.timeoutMs ?? DEFAULT_TUNING.timeoutMs,
          clock,
          logger: options.logger,
        })
      : undefined;
  if (!notifier) options.logger.info('no NOTIFY_WEBHOOKS: notifications stay in the outbox');
  const desk = new EscalationDesk(store, new WavRecordings(options.voicemailDir), options.knowledge, randomUUID);
  const server = await serveGrpc(escalation.EscalationServiceService, escalationHandlers(desk, options.logger), options.host, options.port);
  notifier?.start();
  const unregister = options.health ? watchDatabaseHealth(options.health, 'escalation', options.database, options.logger) : () => undefined;
  return {
    port: server.port,
    async stop() {
      unregister();
      await server.stop(options.graceMs);
      await notifier?.stop();
    },
  };
}

/** The escalation service as the runtime hosts it; `tuning` shortens polling and backoff in tests. */
export function createEscalationService(tuning: NotifyTuning = {}): ServiceDefinition {
  return {
    name: 'escalation',
    async start({ bus, config, logger, health }) {
      const knowledge = await KnowledgeStore.open(config.KNOWLEDGE_FILE, {
        onProblems: (error) => logger.warn({ problems: error.message }, 'knowledge file change refused; the previous version stays in force'),
      });
      let database: Database;
      try {
        database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, onPoolError: (err) => logger.warn({ err }, 'database connection lost') });
      } catch (error) {
        knowledge.close();
        throw error;
      }
      // Leave the host's own grace a little room to close the database after the server.
      const graceMs = Math.max(0, config.SHUTDOWN_GRACE_MS - 1_000);
      const webhooks = (config.NOTIFY_WEBHOOKS ?? '')
        .split(',')
        .map((url) => url.trim())
        .filter(Boolean);
      let server: EscalationServer;
      try {
        server = await startEscalationServer({
          ...tuning,
          knowledge,
          database,
          logger,
          host: config.GRPC_HOST,
          port: config.ESCALATION_GRPC_PORT,
          voicemailDir: config.VOICEMAIL_DIR,
          webhooks,
          webhookSecret: config.NOTIFY_WEBHOOK_SECRET,
          graceMs,
          health,
        });
      } catch (error) {
        knowledge.close();
        await database.close();
        throw error;
      }
      const lifecycleLog = logCallLifecycle(bus, logger);
      logger.info({ host: config.GRPC_HOST, port: server.port, database: database.kind, webhooks: webhooks.length }, 'escalation gRPC listening');
      return {
        async stop() {
          lifecycleLog.unsubscribe();
          await server.stop();
          await database.close();
          knowledge.close();
        },
      };
    },
  };
}

export const escalationService: ServiceDefinition = createEscalationService();

if (isEntrypoint(import.meta.url)) void runStandalone(escalationService);
