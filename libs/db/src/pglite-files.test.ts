import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { appointments, insertAppointment, openDatabase, type Database } from './index';

const dataDir = mkdtempSync(join(tmpdir(), 'db-pglite-'));
const lockFile = join(dataDir, 'pglite.lock');

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

const slot = (requestId: string) => ({
  requestId,
  serviceId: 'checkup',
  callerNumber: '+441632960100',
  startsAt: new Date('2030-06-01T09:00:00Z'),
  endsAt: new Date('2030-06-01T09:20:00Z'),
});
const migrationsApplied = async (database: Database) =>
  (await database.db.execute<{ n: number }>(sql`select count(*)::int as n from drizzle.__drizzle_migrations`)).rows[0]!.n;

// The tests share one directory and run in order: each builds on the last.
describe('file-backed PGlite under DATA_DIR', () => {
  it('keeps data across close and reopen, migrating only once', async () => {
    const first = await openDatabase({ dataDir });
    expect(first.kind).toBe('pglite');
    await insertAppointment(first.db, slot('persisted'));
    expect(existsSync(lockFile)).toBe(true);
    await first.close();
    await first.close();
    expect(existsSync(lockFile)).toBe(false);
    expect(existsSync(join(dataDir, 'pglite', 'PG_VERSION'))).toBe(true);

    const reopened = await openDatabase({ dataDir });
    try {
      expect(await reopened.db.query.appointments.findFirst({ where: eq(appointments.requestId, 'persisted') })).toMatchObject({ serviceId: 'checkup' });
      expect(await migrationsApplied(reopened)).toBe(2);
    } finally {
      await reopened.close();
    }
    // PGlite compiles its WebAssembly and runs initdb in here, slow on a busy CI machine.
  }, 90_000);

  it('shares one instance between handles in one process (booking and escalation under npm start)', async () => {
    const [booking, escalation] = await Promise.all([openDatabase({ dataDir }), openDatabase({ dataDir })]);
    expect(booking.db).toBe(escalation.db);
    await booking.close();
    expect(await escalation.db.select().from(appointments)).toHaveLength(1);
    // A handle opened while the last one is still closing waits for the files to be released.
    const closing = escalation.close();
    const next = await openDatabase({ dataDir });
    await closing;
    expect(await next.db.select().from(appointments)).toHaveLength(1);
    await next.close();
  });

  it('refuses a directory another live process has open, and takes over a lock its dead holder left', async () => {
    writeFileSync(lockFile, String(process.ppid));
    await expect(openDatabase({ dataDir })).rejects.toThrow(/in use by process .*set DATABASE_URL/);
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    writeFileSync(lockFile, String(dead));
    const database = await openDatabase({ dataDir });
    expect(await database.db.select().from(appointments)).toHaveLength(1);
    await database.close();
    expect(existsSync(lockFile)).toBe(false);
  });
});
