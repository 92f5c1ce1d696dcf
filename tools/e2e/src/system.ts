import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { startServices } from '@voiceagent/runtime/testing';
import { allServices, loadServices } from '@voiceagent/stack';
import { NatsServer, PostgresServer, freePort } from '@voiceagent/testing';

const repoRoot = resolve(import.meta.dirname, '../../..');

/** The whole system, running somehow; `logs` are what its services logged (JSON lines), for failure reports. */
export interface RunningSystem {
  readonly shape: string;
  logs(): ReadonlyArray<{ readonly msg: string; readonly [field: string]: unknown }>;
  stop(): Promise<void>;
}

/** Every service in this process on the in-process bus, as `npm start` runs them. */
export async function startInProcess(env: Record<string, string>): Promise<RunningSystem> {
  const harness = await startServices(await loadServices(undefined), env);
  return { shape: 'one process, in-process bus', logs: () => harness.logs, stop: () => harness.stop() };
}

/**
 * Each service in its own process over a real nats-server, with a real
 * PostgreSQL for booking and escalation, as docker compose and Helm run them
 * (`npx nx serve <app>`), started in the launcher's order.
 */
export async function startProcesses(env: Record<string, string>): Promise<RunningSystem> {
  const nats = await NatsServer.start({ jetstream: true });
  const postgres = await PostgresServer.start();
  const children: ChildProcess[] = [];
  const lines: Array<{ msg: string }> = [];
  const stop = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
            child.once('exit', () => {
              clearTimeout(timer);
              done();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    await nats.dispose();
    await postgres.dispose();
  };
  try {
    for (const { name } of allServices) {
      const healthPort = await freePort();
      const child = spawn(process.execPath, ['--import', 'tsx', `apps/${name}/src/main.ts`], {
        cwd: repoRoot,
        env: { ...process.env, ...env, NATS_URL: nats.url, DATABASE_URL: postgres.url, HEALTH_PORT: String(healthPort), LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let buffered = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const parts = buffered.split('\n');
        buffered = parts.pop() ?? '';
        for (const line of parts) if (line.startsWith('{')) lines.push(JSON.parse(line) as { msg: string });
      });
      child.stderr?.on('data', (chunk: Buffer) => lines.push({ msg: `${name} stderr: ${chunk.toString().slice(0, 500)}` }));
      await waitHealthy(name, healthPort, child);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { shape: 'a process per service over NATS', logs: () => lines, stop };
}

async function waitHealthy(name: string, port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} before it was ready`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${name} not healthy on ${port} after 60 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
