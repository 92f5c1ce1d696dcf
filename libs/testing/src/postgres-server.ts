import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';

export interface PostgresServerOptions {
  /** Name of the database `url` points at (created at start). */
  readonly database?: string;
}

interface Identity {
  readonly uid: number;
  readonly gid: number;
}

const SUPERUSER = 'postgres';
const READY = /database system is ready to accept connections/;
const PORT_TAKEN = /could not bind|Address already in use|could not create any TCP\/IP sockets/i;

// Servers not disposed when the test process exits (a crashed suite) must not outlive it.
const live = new Map<PostgresServer, () => void>();
process.once('exit', () => {
  for (const cleanUp of live.values()) cleanUp();
});

/**
 * A real PostgreSQL (Debian `postgresql` package) in a temporary cluster on a
 * free loopback port, for integration tests. Independent of any cluster the
 * package may have started on 5432. As root, the cluster is owned by and run
 * as the `postgres` system user (initdb and postgres refuse to run as root).
 */
export class PostgresServer {
  private child: ChildProcess | undefined;
  private readonly dataDir: string;
  private readonly socketDir: string;

  private constructor(
    private port_: number,
    private readonly baseDir: string,
    private readonly binDir: string,
    private readonly runAs: Identity | undefined,
    readonly database: string,
  ) {
    this.dataDir = join(baseDir, 'data');
    this.socketDir = join(baseDir, 'socket');
  }

  static async start(options: PostgresServerOptions = {}): Promise<PostgresServer> {
    const binDir = postgresBinDir();
    const runAs = process.getuid?.() === 0 ? systemUser(SUPERUSER) : undefined;
    // The postgres user must reach the directory: a root-only TMPDIR would not do.
    const baseDir = mkdtempSync(join(runAs ? '/tmp' : tmpdir(), 'pg-test-'));
    const server = new PostgresServer(0, baseDir, binDir, runAs, options.database ?? 'test');
    live.set(server, () => {
      server.child?.kill('SIGQUIT');
      rmSync(baseDir, { recursive: true, force: true });
    });
    try {
      mkdirSync(server.socketDir);
      if (runAs) for (const dir of [baseDir, server.socketDir]) chownSync(dir, runAs.uid, runAs.gid);
      await server.run('initdb', [
        '-D', server.dataDir, '-U', SUPERUSER, '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions',
      ]);
      await server.launch();
      await server.run('createdb', [...server.clientArgs(), server.database]);
      return server;
    } catch (error) {
      await server.dispose();
      throw error;
    }
  }

  get port(): number {
    return this.port_;
  }

  /** postgres://postgres@127.0.0.1:<port>/<database> (trust authentication, no password). */
  get url(): string {
    return this.urlOf(this.database);
  }

  /** Creates another database on this server (isolation between suites) and returns its URL. */
  async createDatabase(name: string): Promise<string> {
    await this.run('createdb', [...this.clientArgs(), name]);
    return this.urlOf(name);
  }

  /** Fast shutdown: open connections are terminated, the cluster stays for restart(). */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGINT');
    const immediate = setTimeout(() => child.kill('SIGQUIT'), 5000);
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(immediate);
    clearTimeout(kill);
  }

  /** Stops and starts the server on the same port and data (exercises client reconnects). */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch(this.port_);
  }

  async dispose(): Promise<void> {
    await this.stop();
    live.delete(this);
    rmSync(this.baseDir, { recursive: true, force: true });
  }

  private urlOf(database: string): string {
    return `postgres://${SUPERUSER}@127.0.0.1:${this.port_}/${encodeURIComponent(database)}`;
  }

  private clientArgs(): string[] {
    return ['-h', '127.0.0.1', '-p', String(this.port_), '-U', SUPERUSER];
  }

  /** Starts postgres; a fresh port is picked again if another process took it meanwhile. */
  private async launch(fixedPort?: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      this.port_ = fixedPort ?? (await freePort());
      try {
        await this.launchOnce();
        return;
      } catch (error) {
        if (fixedPort !== undefined || attempt >= 3 || !PORT_TAKEN.test(String(error))) throw error;
      }
    }
  }

  private async launchOnce(): Promise<void> {
    const args = [
      '-D', this.dataDir, '-p', String(this.port_), '-k', this.socketDir,
      '-c', 'listen_addresses=127.0.0.1',
      // Throw-away data: durability only costs time.
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
      '-c', 'max_connections=200',
    ];
    const child = spawn(join(this.binDir, 'postgres'), args, this.spawnOptions());
    this.child = child;
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`postgres did not become ready within 30 s:\n${log}`)), 30_000);
      const settle = (error?: Error) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      // postgres logs to stderr; "ready to accept connections" follows recovery and start-up.
      child.stderr?.on('data', (chunk: Buffer) => {
        log = (log + chunk.toString()).slice(-8000);
        if (READY.test(log)) settle();
      });
      child.once('error', (e) => settle(new Error(`cannot start postgres (apt-get install postgresql): ${e.message}`)));
      child.once('exit', (code, signal) => settle(new Error(`postgres exited with ${code ?? signal}:\n${log}`)));
    }).catch(async (error: unknown) => {
      await this.stop();
      throw error;
    });
    // Keep draining the pipes so a chatty server never blocks on a full one.
    child.stdout?.resume();
    child.stderr?.resume();
  }

  /** Runs one of the cluster's tools (initdb, createdb) to completion. */
  private run(tool: string, args: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(join(this.binDir, tool), args, this.spawnOptions());
      let output = '';
      const collect = (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-8000);
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      child.once('error', (e) => reject(new Error(`cannot run ${tool}: ${e.message}`)));
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${tool} exited with ${code}:\n${output}`))));
    });
  }

  private spawnOptions() {
    return {
      stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'],
      cwd: this.baseDir,
      // LC_ALL=C: a clean machine may lack the caller's locale; PGHOST etc. must not leak in.
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC' },
      ...(this.runAs ? { uid: this.runAs.uid, gid: this.runAs.gid } : {}),
    };
  }
}

/**
 * The directory of initdb/postgres: POSTGRES_BIN_DIR, else the newest
 * /usr/lib/postgresql/<version>/bin (Debian), else `pg_config --bindir`.
 */
export function postgresBinDir(): string {
  const configured = process.env['POSTGRES_BIN_DIR'];
  if (configured) return configured;
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(join(debian, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(debian, versions[0], 'bin');
  }
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('PostgreSQL server binaries not found: apt-get install postgresql, or set POSTGRES_BIN_DIR');
  }
}

function systemUser(name: string): Identity {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error(`running as root needs the "${name}" system user for PostgreSQL (apt-get install postgresql creates it)`);
  }
}
