import { spawn, type ChildProcess } from 'node:child_process';
import { MissingBinaryError, type ProcessLauncher, type ProcessObserver, type ProcessResult, type RunOptions } from './processes';

/**
 * The helper's program, run with `node -e` (CommonJS, builtins only) so it
 * ships inside every service bundle without a file of its own. It spawns
 * what it is asked to, streams nothing back until the process has exited,
 * and kills its children if the service goes away.
 */
const helperSource = String.raw`
const { spawn } = require('node:child_process');
const STDERR_LIMIT = 4096;
const children = new Map();
const send = (message) => { if (process.connected) process.send(message); };
process.on('message', (m) => {
  if (m.type === 'kill') { children.get(m.id)?.kill('SIGKILL'); return; }
  if (m.type !== 'run') return;
  const started = performance.now();
  let child;
  try {
    child = spawn(m.command, m.args, { stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (error) {
    send({ type: 'failed', id: m.id, code: error.code, message: error.message });
    return;
  }
  const out = [];
  let err = '';
  child.stdout.on('data', (chunk) => out.push(chunk));
  child.stderr.on('data', (chunk) => { if (err.length < STDERR_LIMIT) err += chunk.toString('utf8'); });
  child.on('error', (error) => {
    if (child.pid === undefined) send({ type: 'failed', id: m.id, code: error.code, message: error.message });
  });
  child.on('close', (code, signal) => {
    children.delete(m.id);
    if (child.pid === undefined) return;
    send({ type: 'exit', id: m.id, code, signal, stdout: Buffer.concat(out), stderr: err.trim(), ms: performance.now() - started });
  });
  if (child.pid !== undefined) {
    children.set(m.id, child);
    send({ type: 'spawned', id: m.id, pid: child.pid });
  }
  child.stdin.on('error', () => undefined);
  child.stdin.end(m.stdin ?? '');
});
// The service went away: kill what still runs and leave once it is reaped.
process.on('disconnect', () => {
  for (const child of children.values()) child.kill('SIGKILL');
  const leave = () => { if (children.size === 0) process.exit(0); };
  for (const child of children.values()) child.on('close', leave);
  leave();
});
`;

type HelperMessage =
  | { type: 'spawned'; id: number; pid: number }
  | { type: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null; stdout: Uint8Array; stderr: string; ms: number }
  | { type: 'failed'; id: number; code?: string; message: string };

interface PendingRun {
  readonly command: string;
  readonly args: readonly string[];
  readonly observer: ProcessObserver | undefined;
  readonly signal: AbortSignal;
  readonly onAbort: () => void;
  pid: number | undefined;
  resolve(result: ProcessResult): void;
  reject(error: unknown): void;
}

/**
 * Runs synthesis processes from a small helper process instead of from the
 * service. Spawning forks the caller: from a service holding the speech
 * models (~650 MB resident) each fork blocked the event loop ~28 ms (measured),
 * stalling RTP pacing and every other call on that loop, once per sentence.
 * Forking from the helper (~40 MB) takes ~1 ms and blocks only the helper.
 * The helper starts with the first run and again after it dies (runs in
 * flight then fail with a clear error); it is not kept alive for its own sake.
 */
export class SpawnHelper implements ProcessLauncher {
  private helper: ChildProcess | undefined;
  private readonly pending = new Map<number, PendingRun>();
  private nextId = 0;
  private closed = false;

  /** The helper's pid while it runs (tests, diagnostics). */
  get pid(): number | undefined {
    return this.helper?.pid;
  }

  run(command: string, args: readonly string[], options: RunOptions): Promise<ProcessResult> {
    const { signal, observer } = options;
    if (this.closed) return Promise.reject(new Error('the synthesis process launcher is closed'));
    if (signal.aborted) return Promise.reject(signal.reason);
    const helper = this.start();
    const id = this.nextId++;
    return new Promise<ProcessResult>((resolve, reject) => {
      const onAbort = () => {
        if (this.helper === helper && helper.connected) helper.send({ type: 'kill', id });
      };
      this.pending.set(id, { command, args, observer, signal, onAbort, pid: undefined, resolve, reject });
      signal.addEventListener('abort', onAbort, { once: true });
      this.refWhileBusy(helper);
      helper.send({ type: 'run', id, command, args, stdin: options.stdin ?? '' });
    });
  }

  /** Ends the helper (it kills any process still running); safe to call more than once. */
  async close(): Promise<void> {
    this.closed = true;
    const helper = this.helper;
    if (!helper) return;
    const exited = new Promise<void>((resolve) => (helper.exitCode !== null || helper.signalCode !== null ? resolve() : helper.once('exit', () => resolve())));
    // Whoever awaits close() must see the exit: an idle helper no longer holds the event loop open.
    helper.ref();
    if (helper.connected) helper.disconnect();
    await exited;
  }

  private start(): ChildProcess {
    if (this.helper) return this.helper;
    // No inherited NODE_OPTIONS (loaders, inspectors): the helper stays small.
    const helper = spawn(process.execPath, ['-e', helperSource], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'advanced',
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    helper.on('message', (message: HelperMessage) => this.receive(message));
    helper.on('error', (error) => this.lost(helper, `could not start: ${error.message}`));
    helper.on('exit', (code, signal) => this.lost(helper, `exited (${signal ?? `code ${code}`})`));
    this.helper = helper;
    return helper;
  }

  private receive(message: HelperMessage): void {
    const run = this.pending.get(message.id);
    if (!run) return;
    switch (message.type) {
      case 'spawned':
        run.pid = message.pid;
        run.observer?.onSpawn?.({ pid: message.pid, command: run.command, args: run.args });
        return;
      case 'failed':
        this.settle(message.id, run);
        run.reject(message.code === 'ENOENT' || message.code === 'EACCES' ? new MissingBinaryError(run.command) : new Error(`${run.command}: ${message.message}`));
        return;
      case 'exit': {
        this.settle(message.id, run);
        const { code, signal, ms } = message;
        if (run.pid !== undefined) run.observer?.onExit?.({ pid: run.pid, command: run.command, args: run.args, code, signal, ms });
        if (run.signal.aborted) run.reject(run.signal.reason);
        else run.resolve({ code, stdout: Buffer.from(message.stdout.buffer, message.stdout.byteOffset, message.stdout.byteLength), stderr: message.stderr });
        return;
      }
    }
  }

  /** The helper is gone: runs in flight fail (their processes were killed with it); the next run starts a new one. */
  private lost(helper: ChildProcess, why: string): void {
    if (this.helper !== helper) return;
    this.helper = undefined;
    for (const [id, run] of this.pending) {
      this.settle(id, run);
      run.reject(run.signal.aborted ? run.signal.reason : new Error(`the synthesis process launcher ${why} while running ${run.command}`));
    }
  }

  private settle(id: number, run: PendingRun): void {
    this.pending.delete(id);
    run.signal.removeEventListener('abort', run.onAbort);
    if (this.pending.size === 0 && this.helper) this.unrefWhenIdle(this.helper);
  }

  /** The helper keeps the service alive only while it has work. */
  private refWhileBusy(helper: ChildProcess): void {
    helper.ref();
    helper.channel?.ref();
  }

  private unrefWhenIdle(helper: ChildProcess): void {
    helper.unref();
    helper.channel?.unref();
  }
}
