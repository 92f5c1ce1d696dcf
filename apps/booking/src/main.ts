import { openDatabase, watchDatabaseHealth, type Database } from '@voiceagent/db';
import { KnowledgeStore, type KnowledgeSource } from '@voiceagent/knowledge';
import { booking } from '@voiceagent/contracts';
import { isEntrypoint, runStandalone, type HealthRegistry, type ServiceDefinition } from '@voiceagent/runtime';
import { serveGrpc } from '@voiceagent/rpc';
import type { Logger } from '@voiceagent/telemetry';
import { DrizzleAppointmentStore } from './adapters/drizzle-appointment-store';
import { bookingHandlers } from './adapters/grpc-booking-server';
import { BookingDesk } from './domain/booking-desk';
import type { Clock } from './ports/clock';

/** Composition root of the booking service: gRPC BookingService over the knowledge file and Postgres/PGlite. */

export interface BookingServerOptions {
  readonly knowledge: KnowledgeSource;
  readonly database: Database;
  readonly logger: Logger;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** How long stop() lets calls in flight finish before cutting them. */
  readonly graceMs: number;
  readonly clock?: Clock;
  readonly health?: HealthRegistry;
}

export interface BookingServer {
  readonly port: number;
  /** Stops the gRPC server (graceful, then forced); the database and knowledge stay with their owner. */
  stop(): Promise<void>;
}

const systemClock: Clock = { now: () => new Date() };

/** Starts BookingService on given dependencies (tests use this with a fixed clock). */
export async function startBookingServer(options: BookingServerOptions): Promise<BookingServer> {
  const desk = new BookingDesk(new DrizzleAppointmentStore(options.database.db), options.knowledge, options.clock ?? systemClock);
  const server = await serveGrpc(booking.BookingServiceService, bookingHandlers(desk, options.logger), options.host, options.port);
  const unregister = options.health ? watchDatabaseHealth(options.health, 'booking', options.database, options.logger) : () => undefined;
  return {
    port: server.port,
    async stop() {
      unregister();
      await server.stop(options.graceMs);
    },
  };
}

export const bookingService: ServiceDefinition = {
  name: 'booking',
  async start({ config, logger, health }) {
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
    let server: BookingServer;
    try {
      server = await startBookingServer({ knowledge, database, logger, host: config.GRPC_HOST, port: config.BOOKING_GRPC_PORT, graceMs, health });
    } catch (error) {
      knowledge.close();
      await database.close();
      throw error;
    }
    logger.info({ host: config.GRPC_HOST, port: server.port, database: database.kind, knowledge: knowledge.path }, 'booking gRPC listening');
    return {
      async stop() {
        await server.stop();
        await database.close();
        knowledge.close();
      },
    };
  },
};

if (isEntrypoint(import.meta.url)) void runStandalone(bookingService);
