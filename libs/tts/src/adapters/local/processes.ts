import { spawn } from 'node:child_process';

export interface ProcessInfo {
  readonly pid: number;
  readonly command: string;
  readonly args: readonly string[];
}

export interface ProcessExit extends ProcessInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly ms: number;
}

/** Watches synthesis processes without touching them (telemetry, tests). */
export interface ProcessObserver {
  onSpawn?(process: ProcessInfo): void;
  onExit?(process: ProcessExit): void;
}

export interface ProcessResult {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** The binary is not there (ENOENT): a setup problem, not a synthesis failure. */
export class MissingBinaryError extends Error {
  constructor(readonly command: string) {
    super(`${command}: not found`);
  }
}

const STDERR_LIMIT = 4096;

export interface RunOptions {
  readonly stdin?: string;
  readonly signal: AbortSignal;
  readonly observer?: ProcessObserver;
}

/** Where synthesis processes are started: here (`directLauncher`) or from a small helper process (`SpawnHelper`). */
export interface ProcessLauncher {
  /** Runs a process to completion; on abort it is killed and the promise rejects once it is gone. */
  run(command: string, args: readonly string[], options: RunOptions): Promise<ProcessResult>;
  close(): Promise<void>;
}

/** Spawns from this process: fine for small processes (tools, tests); see SpawnHelper for services. */
export const directLauncher: ProcessLauncher = {
  run: (command, args, options) => runProcess(command, args, options),
  close: async () => undefined,
};

/**
 * Runs a process to completion. On abort the process is killed (SIGKILL: the
 * synthesizers hold no state worth a graceful stop) and the promise settles
 * only after it has exited and been reaped, so a cancelled sentence leaves
 * no process and no zombie behind.
 */
export function runProcess(command: string, args: readonly string[], options: RunOptions): Promise<ProcessResult> {
  const { signal, observer } = options;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', kill);
      fn();
    };
    const kill = () => child.kill('SIGKILL');
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      if (err.length < STDERR_LIMIT) err += chunk.toString('utf8');
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      // Spawn failures never get a 'close' with a pid to wait for.
      if (child.pid === undefined) finish(() => reject(error.code === 'ENOENT' || error.code === 'EACCES' ? new MissingBinaryError(command) : error));
    });
    child.on('close', (code, exitSignal) => {
      if (child.pid !== undefined) observer?.onExit?.({ pid: child.pid, command, args, code, signal: exitSignal, ms: performance.now() - started });
      finish(() => (signal.aborted ? reject(signal.reason) : resolve({ code, stdout: Buffer.concat(out), stderr: err.trim() })));
    });
    if (child.pid !== undefined) {
      observer?.onSpawn?.({ pid: child.pid, command, args });
      signal.addEventListener('abort', kill, { once: true });
    }
    child.stdin.on('error', () => undefined); // the process may exit before reading it all
    child.stdin.end(options.stdin ?? '');
  });
}
