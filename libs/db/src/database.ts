import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'pg';
import { appointments, handoffs, outbox, voicemails } from './schema';

/** The tables drizzle's relational API (`db.query.<table>`) knows. */
export const tables = { appointments, handoffs, voicemails, outbox };
export type Tables = typeof tables;

/**
 * What raw `db.execute(sql...)` returns on both drivers: node-postgres'
 * QueryResult and PGlite's Results share `rows` (and little else).
 */
export interface RowsResultHKT extends PgQueryResultHKT {
  readonly type: RowsResult<this['row']>;
}
export interface RowsResult<TRow> {
  readonly rows: (TRow extends Record<string, unknown> ? TRow : Record<string, unknown>)[];
}

/**
 * The drizzle instance services query. Both drivers' databases extend
 * drizzle's `PgDatabase` and differ only in the raw result type, so typing
 * against the base lets repository code be written once for PGlite and PostgreSQL.
 */
export type Db = PgDatabase<RowsResultHKT, Tables>;

/** What the booking and escalation services get: a migrated database. */
export interface Database {
  readonly db: Db;
  readonly kind: 'pglite' | 'postgres';
  /** Applies pending migrations; openDatabase did so already, so a second run is a no-op. */
  migrate(): Promise<void>;
  /** Releases this handle (pool or embedded instance); safe to call twice. */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** DATABASE_URL (postgres://...). Unset: embedded PGlite under dataDir. */
  readonly url?: string | undefined;
  /** DATA_DIR: PGlite files go to `<dataDir>/pglite`; `memory://` keeps them in memory. */
  readonly dataDir: string;
  /** Connections in the PostgreSQL pool (default 10). */
  readonly poolSize?: number;
  /** Where drizzle-kit's SQL files are; default: libs/db/migrations, or `migrations/` beside a bundle. */
  readonly migrationsFolder?: string;
  /** Errors of idle pooled connections (server restart, network); the pool replaces them. */
  readonly onPoolError?: (error: Error) => void;
}

export const MEMORY_DATA_DIR = 'memory://';

/** Opens (and migrates) PostgreSQL when `url` is set, otherwise embedded PGlite. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const migrationsFolder = options.migrationsFolder ?? defaultMigrationsFolder();
  if (options.url) return openPostgres(options.url, migrationsFolder, options);
  if (options.dataDir === MEMORY_DATA_DIR) return openPgliteInMemory(migrationsFolder);
  return openPgliteFiles(resolve(options.dataDir, 'pglite'), migrationsFolder);
}

/** The migrations committed with this lib, or a `migrations/` folder copied beside a bundle. */
export function defaultMigrationsFolder(): string {
  const candidates = [new URL('../migrations', import.meta.url), new URL('./migrations', import.meta.url)].map((url) => fileURLToPath(url));
  const found = candidates.find((folder) => existsSync(join(folder, 'meta', '_journal.json')));
  if (!found) throw new Error(`database migrations not found (looked in ${candidates.join(', ')})`);
  return found;
}

// --- PostgreSQL -------------------------------------------------------------

// Session advisory lock held while migrating: replicas (booking, escalation,
// scaled-out pods) that start together must not run the same DDL at once.
const MIGRATION_LOCK_ID = 720_385_113_607;

async function openPostgres(url: string, migrationsFolder: string, options: OpenDatabaseOptions): Promise<Database> {
  // A bounded connect timeout: an unreachable host must fail start-up, not hang it.
  const pool = new Pool({ connectionString: url, max: options.poolSize ?? 10, connectionTimeoutMillis: 10_000 });
  // Without a listener an idle client's error would crash the process.
  pool.on('error', options.onPoolError ?? (() => undefined));
  const migrate = async () => {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
      try {
        await migrateNodePg(drizzleNodePg({ client }), { migrationsFolder });
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
      }
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      // A client that failed mid-way is discarded rather than reused with a lock held.
      client.release(broken);
    }
  };
  try {
    await migrate();
  } catch (error) {
    await pool.end();
    throw error;
  }
  const db = drizzleNodePg({ client: pool, schema: tables });
  return { db, kind: 'postgres', migrate, close: once(() => pool.end()) };
}

// --- PGlite -----------------------------------------------------------------

async function createPglite(dataDir: string | undefined, migrationsFolder: string) {
  const client = await PGlite.create({ ...(dataDir ? { dataDir } : {}), extensions: { btree_gist } });
  const db = drizzlePglite({ client, schema: tables });
  const migrate = () => migratePglite(db, { migrationsFolder });
  try {
    await migrate();
  } catch (error) {
    await client.close();
    throw error;
  }
  return { client, db, migrate };
}

async function openPgliteInMemory(migrationsFolder: string): Promise<Database> {
  const { client, db, migrate } = await createPglite(undefined, migrationsFolder);
  return { db, kind: 'pglite', migrate, close: once(() => client.close()) };
}

type SharedPglite = { instance: ReturnType<typeof createPglite>; refs: number };

// One PGlite per directory per process: two instances on the same files
// corrupt them (PGlite does not lock its directory), and `npm start` runs
// booking and escalation in one process. Handles are reference-counted.
const openDirectories = new Map<string, SharedPglite>();
// Directories whose last handle is still closing: a new open waits for it.
const closingDirectories = new Map<string, Promise<void>>();

async function openPgliteFiles(directory: string, migrationsFolder: string): Promise<Database> {
  await closingDirectories.get(directory);
  let shared = openDirectories.get(directory);
  if (!shared) {
    const lockFile = `${directory}.lock`;
    mkdirSync(directory, { recursive: true });
    acquireDirectoryLock(lockFile);
    const instance = createPglite(directory, migrationsFolder);
    const entry: SharedPglite = { instance, refs: 0 };
    shared = entry;
    openDirectories.set(directory, entry);
    instance.catch(() => {
      openDirectories.delete(directory);
      rmSync(lockFile, { force: true });
    });
  }
  shared.refs++;
  const entry = shared;
  let opened: Awaited<SharedPglite['instance']>;
  try {
    opened = await entry.instance;
  } catch (error) {
    entry.refs--;
    throw error;
  }
  return {
    db: opened.db,
    kind: 'pglite',
    migrate: opened.migrate,
    close: once(async () => {
      if (--entry.refs > 0) return;
      openDirectories.delete(directory);
      const closed = opened.client.close().finally(() => {
        rmSync(`${directory}.lock`, { force: true });
        closingDirectories.delete(directory);
      });
      closingDirectories.set(directory, closed.catch(() => undefined));
      await closed;
    }),
  };
}

/**
 * Guards a PGlite directory against a second process (say two services run
 * without DATABASE_URL on one DATA_DIR). A lock left by a dead process is taken over.
 */
function acquireDirectoryLock(lockFile: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
    // Our own pid here is a leftover of an earlier life (a container restarts as pid 1).
    if (holder > 0 && holder !== process.pid && isAlive(holder)) {
      throw new Error(
        `the PGlite database ${lockFile.slice(0, -'.lock'.length)} is in use by process ${holder}; ` +
          'processes cannot share an embedded database: set DATABASE_URL to a PostgreSQL server instead',
      );
    }
    rmSync(lockFile, { force: true });
  }
  throw new Error(`cannot lock ${lockFile}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function once(action: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= action());
}
