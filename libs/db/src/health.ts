import { sql } from 'drizzle-orm';
import type { HealthRegistry } from '@voiceagent/runtime';
import type { Logger } from '@voiceagent/telemetry';
import type { Database } from './database';

const PING_MS = 10_000;

/**
 * Registers a readiness check named `name` that follows a periodic database
 * ping, so health checks stay synchronous and cheap. Returns the function that
 * stops the ping and removes the check.
 */
export function watchDatabaseHealth(health: HealthRegistry, name: string, database: Database, logger: Logger): () => void {
  let last: { ok: boolean; detail: string } = { ok: true, detail: `${database.kind}: ok` };
  const ping = () => {
    database.db.execute(sql`select 1`).then(
      () => {
        if (!last.ok) logger.info('database reachable again');
        last = { ok: true, detail: `${database.kind}: ok` };
      },
      (error: unknown) => {
        if (last.ok) logger.warn({ err: error }, 'database ping failed');
        last = { ok: false, detail: `${database.kind}: ${error instanceof Error ? error.message : String(error)}` };
      },
    );
  };
  const timer = setInterval(ping, PING_MS).unref();
  const remove = health.register(name, () => last);
  return () => {
    clearInterval(timer);
    remove();
  };
}
