import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports';

export interface NatsServerOptions {
  /** Enable JetStream (file store in a temporary directory). */
  readonly jetstream?: boolean;
  /** Reuse a port, e.g. to restart the "same" server. */
  readonly port?: number;
  readonly token?: string;
}

/**
 * A real `nats-server` (Debian package) on a free loopback port, for
 * integration tests. `restart()` stops and starts it on the same port to
 * exercise client reconnects.
 */
export class NatsServer {
  private child: ChildProcess | undefined;
  private readonly storeDir: string;

  private constructor(
    readonly port: number,
    private readonly options: NatsServerOptions,
  ) {
    this.storeDir = mkdtempSync(join(tmpdir(), 'nats-js-'));
  }

  static async start(options: NatsServerOptions = {}): Promise<NatsServer> {
    const server = new NatsServer(options.port ?? (await freePort()), options);
    await server.launch();
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    const args = ['-a', '127.0.0.1', '-p', String(this.port)];
    if (this.options.jetstream) args.push('-js', '-sd', this.storeDir);
    if (this.options.token) args.push('--auth', this.options.token);
    const child = spawn(process.env['NATS_SERVER_BIN'] ?? 'nats-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (e) => reject(new Error(`cannot start nats-server (apt-get install nats-server): ${e.message}`)));
      child.once('exit', (code) => reject(new Error(`nats-server exited with ${code}: ${stderr}`)));
    });
    this.child = child;
    await Promise.race([waitForPort(this.port), failed]);
    failed.catch(() => undefined);
  }
}
