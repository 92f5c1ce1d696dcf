import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { MissingBinaryError, type ProcessExit, type ProcessInfo } from './processes';
import { SpawnHelper } from './spawn-helper';

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('SpawnHelper', () => {
  let launcher: SpawnHelper;
  afterEach(() => launcher.close());

  it('runs a process from the helper: stdin in, stdout, stderr and the exit code out', async () => {
    launcher = new SpawnHelper();
    const spawned: ProcessInfo[] = [];
    const exited: ProcessExit[] = [];
    const observer = { onSpawn: (p: ProcessInfo) => spawned.push(p), onExit: (p: ProcessExit) => exited.push(p) };
    const signal = new AbortController().signal;

    const echoed = await launcher.run('sh', ['-c', 'cat; echo oops >&2; exit 3'], { stdin: 'héllo', signal, observer });

    expect(echoed.stdout.toString('utf8')).toBe('héllo');
    expect(Buffer.isBuffer(echoed.stdout)).toBe(true);
    expect(echoed.stderr).toBe('oops');
    expect(echoed.code).toBe(3);
    expect(spawned).toEqual([{ pid: expect.any(Number), command: 'sh', args: ['-c', 'cat; echo oops >&2; exit 3'] }]);
    expect(exited[0]).toMatchObject({ pid: spawned[0]?.pid, code: 3, signal: null });
    // The process was the helper's child, not ours.
    expect(launcher.pid).toBeDefined();
    expect(spawned[0]?.pid).not.toBe(launcher.pid);
  });

  it('passes binary output through whole', async () => {
    launcher = new SpawnHelper();
    const bytes = await launcher.run('head', ['-c', '300000', '/dev/urandom'], { signal: new AbortController().signal });
    expect(bytes.stdout.byteLength).toBe(300_000);
  });

  it('a missing binary is a MissingBinaryError naming the command', async () => {
    launcher = new SpawnHelper();
    const run = launcher.run('no-such-synthesizer-here', [], { signal: new AbortController().signal });
    await expect(run).rejects.toBeInstanceOf(MissingBinaryError);
    await expect(run).rejects.toThrow('no-such-synthesizer-here: not found');
  });

  it('abort kills the process and rejects with the reason once it is gone', async () => {
    launcher = new SpawnHelper();
    const controller = new AbortController();
    let pid: number | undefined;
    const run = launcher.run('sleep', ['30'], { signal: controller.signal, observer: { onSpawn: (p) => (pid = p.pid) } });
    await expect.poll(() => pid).toBeDefined();
    controller.abort(new Error('caller hung up'));
    await expect(run).rejects.toThrow('caller hung up');
    expect(isRunning(pid!)).toBe(false);
  });

  it('an already aborted signal starts nothing', async () => {
    launcher = new SpawnHelper();
    const controller = new AbortController();
    controller.abort(new Error('too late'));
    await expect(launcher.run('true', [], { signal: controller.signal })).rejects.toThrow('too late');
    expect(launcher.pid).toBeUndefined();
  });

  it('runs in flight fail when the helper dies, and the next run starts a new helper', async () => {
    launcher = new SpawnHelper();
    let started = false;
    const run = launcher.run('sleep', ['30'], { signal: new AbortController().signal, observer: { onSpawn: () => (started = true) } });
    await expect.poll(() => started).toBe(true);
    const first = launcher.pid!;
    process.kill(first, 'SIGKILL');
    await expect(run).rejects.toThrow(/launcher exited \(SIGKILL\) while running sleep/);

    const again = await launcher.run('echo', ['back'], { signal: new AbortController().signal });
    expect(again.stdout.toString().trim()).toBe('back');
    expect(launcher.pid).not.toBe(first);
  });

  it('close ends the helper and kills what it still runs; later runs are refused', async () => {
    launcher = new SpawnHelper();
    let pid: number | undefined;
    const run = launcher.run('sleep', ['30'], { signal: new AbortController().signal, observer: { onSpawn: (p) => (pid = p.pid) } });
    await expect.poll(() => pid).toBeDefined();
    const helper = launcher.pid!;
    await launcher.close();
    await expect(run).rejects.toThrow(/launcher exited/);
    expect(isRunning(helper)).toBe(false);
    await expect.poll(() => isRunning(pid!)).toBe(false);
    await expect(launcher.run('true', [], { signal: new AbortController().signal })).rejects.toThrow('closed');
  });

  it('close() resolves in a process with nothing else to keep it alive (the idle helper does not hold the event loop)', async () => {
    launcher = new SpawnHelper();
    const dir = await mkdtemp(join(tmpdir(), 'spawn-helper-'));
    try {
      const script = join(dir, 'close.mts');
      await writeFile(
        script,
        [
          `import { SpawnHelper } from ${JSON.stringify(join(import.meta.dirname, 'spawn-helper.ts'))};`,
          'const helper = new SpawnHelper();',
          "await helper.run('true', [], { signal: new AbortController().signal });",
          'await helper.close();',
          "console.log('closed');",
        ].join('\n'),
      );
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { timeout: 20_000 });
      expect(stdout.trim()).toBe('closed');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
