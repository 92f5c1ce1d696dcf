import { existsSync } from 'node:fs';
import { Client } from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresServer } from './postgres-server';

async function query(url: string, text: string): Promise<unknown[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

describe('PostgresServer harness', () => {
  it('runs a real PostgreSQL on a free port, creates databases, restarts on the same port and cleans up', async () => {
    const server = await PostgresServer.start({ database: 'harness' });
    const baseDir = (server as unknown as { baseDir: string }).baseDir;
    try {
      expect(server.url).toBe(`postgres://postgres@127.0.0.1:${server.port}/harness`);
      expect(server.port).not.toBe(5432);
      expect(await query(server.url, 'select current_database() as db')).toEqual([{ db: 'harness' }]);
      const other = await server.createDatabase('other');
      await query(other, 'create table t (x int)');
      await server.restart();
      expect(await query(other, "select to_regclass('t') is not null as kept")).toEqual([{ kept: true }]);
      await server.stop();
      await expect(query(server.url, 'select 1')).rejects.toThrow();
    } finally {
      await server.dispose();
    }
    expect(existsSync(baseDir)).toBe(false);
  });
});
