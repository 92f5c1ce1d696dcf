import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '../../..');
const mirror = process.env.VOICE_AGENT_MODELS_MIRROR || resolve(repoRoot, '../shared/models');
const scratch = mkdtempSync(join(tmpdir(), 'models-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const cli = (env: Record<string, string>, args: string[] = []) =>
  run(process.execPath, ['--import', 'tsx', join(repoRoot, 'libs/models/src/cli.ts'), ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: scratch, ...env },
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe('npm run models (cli)', () => {
  it('fills the models directory from the mirror and prints where each model is', async () => {
    const modelsDir = join(scratch, 'models');
    const result = await cli({ VOICE_AGENT_MODELS: modelsDir, VOICE_AGENT_MODELS_MIRROR: mirror });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`models directory: ${modelsDir}`);
    expect(result.stdout).toContain(`asr-en-zipformer-3m: ${join(modelsDir, 'asr-en-zipformer-3m')} (4 files, sha256 verified)`);
    expect(result.stdout).toContain(`vad-silero: ${join(modelsDir, 'vad-silero')} (1 file, sha256 verified)`);
  });

  it('exits 1 naming the fix when a model cannot be had, and 2 for an unknown name', async () => {
    const offline = await cli({ VOICE_AGENT_MODELS: join(scratch, 'empty'), VOICE_AGENT_MODELS_MIRROR: join(scratch, 'no-mirror') }, ['--offline', 'vad-silero']);
    expect(offline.code).toBe(1);
    expect(offline.stderr).toContain('Model "vad-silero" is incomplete');
    expect(offline.stderr).toContain('silero_vad.onnx: not in the mirror');
    expect(offline.stderr).toContain('VOICE_AGENT_MODELS_MIRROR=');
    const unknown = await cli({ VOICE_AGENT_MODELS: join(scratch, 'empty') }, ['whisper']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown model(s): whisper');
  });
});
