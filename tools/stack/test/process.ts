import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const workspaceRoot = resolve(import.meta.dirname, '../../..');
const tsx = resolve(workspaceRoot, 'node_modules/.bin/tsx');

export interface Running {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** Runs a TypeScript entry point as its own process, as `npm start` / `nx serve` do. */
export function runScript(script: string, env: Record<string, string>): Running {
  const child = spawn(tsx, [resolve(workspaceRoot, script)], { cwd: workspaceRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

export async function waitForHealthy(url: string, timeoutMs = 30_000): Promise<{ status: string; checks: Record<string, { ok: boolean }> }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.status === 200) return (await res.json()) as never;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not healthy after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
