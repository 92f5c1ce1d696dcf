import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureModel, ModelError, models, resolveModelsDir, sha256File, type ModelSpec } from './index';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

let root: string;
const fresh = (name: string) => {
  const dir = join(root, `${name}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

/** A tiny HTTP server on a free loopback port serving fixed bodies; counts requests per path. */
interface FileServer {
  url: string;
  hits: Map<string, number>;
  routes: Map<string, Buffer>;
  close(): Promise<void>;
}
async function startServer(): Promise<FileServer> {
  const routes = new Map<string, Buffer>();
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const body = routes.get(path);
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    routes,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

// Two small "model" files packed the way sherpa-onnx releases are: a top folder inside a .tar.bz2.
const weights = Buffer.from('pretend onnx weights '.repeat(200));
const vocab = '<blk> 0\n▁HELLO 1\n';
let archive: Buffer;
let server: FileServer;

function fakeSpec(name: string, overrides: Partial<Record<'weights' | 'vocab', Partial<ModelSpec['files'][number]>>> = {}): ModelSpec {
  return {
    name,
    description: 'test model',
    license: 'MIT',
    files: [
      {
        name: 'weights.onnx',
        sha256: sha256(weights),
        bytes: weights.length,
        upstream: [{ url: `${server.url}/releases/fake-model.tar.bz2`, pathInArchive: 'fake-model-2024/model-epoch-9.onnx' }],
        ...overrides.weights,
      },
      {
        name: 'tokens.txt',
        sha256: sha256(vocab),
        bytes: vocab.length,
        upstream: [{ url: `${server.url}/releases/fake-model.tar.bz2`, pathInArchive: 'fake-model-2024/tokens.txt' }],
        ...overrides.vocab,
      },
    ],
  };
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'models-test-'));
  const staging = join(root, 'staging');
  mkdirSync(join(staging, 'fake-model-2024'), { recursive: true });
  writeFileSync(join(staging, 'fake-model-2024', 'model-epoch-9.onnx'), weights);
  writeFileSync(join(staging, 'fake-model-2024', 'tokens.txt'), vocab);
  writeFileSync(join(staging, 'fake-model-2024', 'README.md'), 'not wanted');
  execFileSync('tar', ['cjf', join(root, 'fake.tar.bz2'), '-C', staging, 'fake-model-2024']);
  archive = readFileSync(join(root, 'fake.tar.bz2'));
  server = await startServer();
  server.routes.set('/releases/fake-model.tar.bz2', archive);
  server.routes.set('/raw/tokens.txt', Buffer.from(vocab));
});

afterEach(() => server.hits.clear());

afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

describe('resolveModelsDir', () => {
  it('uses VOICE_AGENT_MODELS, else the per-user cache folder', () => {
    expect(resolveModelsDir({ VOICE_AGENT_MODELS: '/srv/models' })).toBe('/srv/models');
    expect(resolveModelsDir({ VOICE_AGENT_MODELS: 'rel/models' })).toBe(resolve('rel/models'));
    expect(resolveModelsDir({ HOME: '/home/ann' })).toMatch(/\/\.cache\/voice-agent\/models$/);
    expect(resolveModelsDir({ XDG_CACHE_HOME: '/var/cache/u' })).toBe('/var/cache/u/voice-agent/models');
  });
});

describe('manifest', () => {
  it('pins the shared mirror byte for byte (every file verifies after a mirror copy)', async () => {
    const mirrorDir = process.env.VOICE_AGENT_MODELS_MIRROR || resolve(import.meta.dirname, '../../../../shared/models');
    const modelsDir = fresh('real');
    for (const name of Object.keys(models) as (keyof typeof models)[]) {
      const model = await ensureModel(name, { modelsDir, mirrorDir, download: false });
      for (const file of models[name].files) {
        expect(await sha256File(model.files[file.name]!)).toBe(file.sha256);
      }
    }
  });

  it('names each upstream archive and the path of every file inside it', () => {
    for (const spec of Object.values(models)) {
      for (const file of spec.files) {
        expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(file.upstream.length).toBeGreaterThan(0);
        for (const source of file.upstream) {
          expect(source.url).toMatch(/^https:\/\//);
          if (source.url.endsWith('.tar.bz2')) expect(source.pathInArchive).toMatch(/^[\w.-]+\/[\w.-]+$/);
        }
      }
    }
  });
});

describe('ensureModel from a mirror', () => {
  it('copies missing files, verifies them and returns their paths; a second run touches nothing', async () => {
    const mirrorDir = fresh('mirror');
    const spec = fakeSpec('tiny');
    mkdirSync(join(mirrorDir, 'tiny'));
    writeFileSync(join(mirrorDir, 'tiny', 'weights.onnx'), weights);
    writeFileSync(join(mirrorDir, 'tiny', 'tokens.txt'), vocab);
    const modelsDir = fresh('models');
    const lines: string[] = [];
    const model = await ensureModel(spec, { modelsDir, mirrorDir, download: false, log: (l) => lines.push(l) });
    expect(model.dir).toBe(join(modelsDir, 'tiny'));
    expect(readFileSync(model.files['weights.onnx']!)).toEqual(weights);
    expect(readFileSync(model.files['tokens.txt']!, 'utf8')).toBe(vocab);
    expect(lines.filter((l) => l.includes('copied from'))).toHaveLength(2);

    lines.length = 0;
    await ensureModel(spec, { modelsDir, mirrorDir: null, download: false, log: (l) => lines.push(l) });
    expect(lines).toEqual([]);
    expect(readdirSync(model.dir).sort()).toEqual(['tokens.txt', 'weights.onnx']);
  });

  it('refuses a mirror file with the wrong sha256 and leaves nothing behind', async () => {
    const mirrorDir = fresh('bad-mirror');
    mkdirSync(join(mirrorDir, 'tiny'));
    writeFileSync(join(mirrorDir, 'tiny', 'weights.onnx'), 'tampered');
    writeFileSync(join(mirrorDir, 'tiny', 'tokens.txt'), vocab);
    const modelsDir = fresh('models');
    const error = await ensureModel(fakeSpec('tiny'), { modelsDir, mirrorDir, download: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelError);
    expect((error as Error).message).toContain(`has sha256 ${sha256('tampered')}, expected ${sha256(weights)}; the file was removed`);
    expect(readdirSync(join(modelsDir, 'tiny'))).toEqual(['tokens.txt']);
  });

  it('replaces a corrupted file already in the models directory', async () => {
    const mirrorDir = fresh('mirror');
    mkdirSync(join(mirrorDir, 'tiny'));
    writeFileSync(join(mirrorDir, 'tiny', 'weights.onnx'), weights);
    writeFileSync(join(mirrorDir, 'tiny', 'tokens.txt'), vocab);
    const modelsDir = fresh('models');
    mkdirSync(join(modelsDir, 'tiny'));
    writeFileSync(join(modelsDir, 'tiny', 'weights.onnx'), 'truncated');
    writeFileSync(join(modelsDir, 'tiny', 'tokens.txt'), vocab);
    const lines: string[] = [];
    await ensureModel(fakeSpec('tiny'), { modelsDir, mirrorDir, download: false, log: (l) => lines.push(l) });
    expect(readFileSync(join(modelsDir, 'tiny', 'weights.onnx'))).toEqual(weights);
    expect(lines[0]).toMatch(/tiny\/weights.onnx: sha256 \w+ is not the expected/);
  });
});

describe('ensureModel from upstream', () => {
  it('downloads a .tar.bz2 once and extracts the listed files from it', async () => {
    const modelsDir = fresh('models');
    const model = await ensureModel(fakeSpec('tiny'), { modelsDir, mirrorDir: null });
    expect(readFileSync(model.files['weights.onnx']!)).toEqual(weights);
    expect(readFileSync(model.files['tokens.txt']!, 'utf8')).toBe(vocab);
    expect(server.hits.get('/releases/fake-model.tar.bz2')).toBe(1);
    // Only the model files remain: no README from the archive, no temp folders.
    expect(readdirSync(model.dir).sort()).toEqual(['tokens.txt', 'weights.onnx']);
    expect(readdirSync(modelsDir)).toEqual(['tiny']);
  });

  it('downloads a plain file and falls back to the next upstream URL', async () => {
    const modelsDir = fresh('models');
    const spec = fakeSpec('tiny', {
      vocab: { upstream: [{ url: `${server.url}/gone/tokens.txt` }, { url: `${server.url}/raw/tokens.txt` }] },
    });
    const lines: string[] = [];
    const model = await ensureModel(spec, { modelsDir, mirrorDir: null, log: (l) => lines.push(l) });
    expect(readFileSync(model.files['tokens.txt']!, 'utf8')).toBe(vocab);
    expect(server.hits.get('/gone/tokens.txt')).toBe(1);
    expect(lines).toContain(`tiny/tokens.txt: downloaded from ${server.url}/raw/tokens.txt`);
  });

  it('removes a downloaded file whose sha256 does not match, and says why for a patched file', async () => {
    const modelsDir = fresh('models');
    const spec = fakeSpec('tiny', { weights: { sha256: 'ab'.repeat(32), patched: 'its pad nodes were removed' } });
    const error = await ensureModel(spec, { modelsDir, mirrorDir: null }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelError);
    const message = (error as Error).message;
    expect(message).toContain(`tiny/weights.onnx from ${server.url}/releases/fake-model.tar.bz2 has sha256 ${sha256(weights)}, expected ${'ab'.repeat(32)}; the file was removed.`);
    expect(message).toContain("Upstream's file cannot match: its pad nodes were removed; copy it from a mirror (VOICE_AGENT_MODELS_MIRROR).");
    expect(existsSync(join(modelsDir, 'tiny', 'weights.onnx'))).toBe(false);
    expect(readdirSync(join(modelsDir, 'tiny'))).toEqual(['tokens.txt']);
  });

  it('reports a file missing from the archive and an HTTP error', async () => {
    const modelsDir = fresh('models');
    const spec = fakeSpec('tiny', {
      weights: { upstream: [{ url: `${server.url}/releases/fake-model.tar.bz2`, pathInArchive: 'fake-model-2024/other.onnx' }] },
      vocab: { upstream: [{ url: `${server.url}/missing.tar.bz2`, pathInArchive: 'x/tokens.txt' }] },
    });
    const message = await ensureModel(spec, { modelsDir, mirrorDir: null }).then(() => '', (e: Error) => e.message);
    expect(message).toContain('weights.onnx: download from');
    expect(message).toContain('fake-model-2024/other.onnx is not in the archive');
    expect(message).toMatch(/tokens.txt: download from \S+\/missing.tar.bz2 failed: HTTP 404/);
  });
});

describe('a missing model', () => {
  it('fails with the fix: npm run models or VOICE_AGENT_MODELS_MIRROR', async () => {
    const modelsDir = fresh('models');
    // A closed port: the download fails the way it does offline.
    const closed = await startServer();
    await closed.close();
    const spec = fakeSpec('tiny', {
      weights: { upstream: [{ url: `${closed.url}/w.tar.bz2`, pathInArchive: 'a/w.onnx' }] },
      vocab: { upstream: [{ url: `${closed.url}/tokens.txt` }] },
    });
    const mirrorDir = fresh('empty-mirror');
    const message = await ensureModel(spec, { modelsDir, mirrorDir }).then(() => '', (e: Error) => e.message);
    expect(message).toContain(`Model "tiny" is incomplete in ${join(modelsDir, 'tiny')}:`);
    expect(message).toContain(`weights.onnx: not in the mirror (${join(mirrorDir, 'tiny', 'weights.onnx')}); download from ${closed.url}/w.tar.bz2 failed: fetch failed`);
    expect(message).toContain('Fix: run `npm run models` on a machine with internet access');
    expect(message).toContain('or set VOICE_AGENT_MODELS_MIRROR=/path/to/models, a folder holding tiny/weights.onnx, tiny/tokens.txt.');
  });

  it('with downloads off and no mirror, says so', async () => {
    const message = await ensureModel('vad-silero', { modelsDir: fresh('models'), mirrorDir: null, download: false }).then(() => '', (e: Error) => e.message);
    expect(message).toContain('silero_vad.onnx: downloads are turned off');
    expect(message).toContain('npm run models');
  });

  it('rejects an unknown model name', async () => {
    await expect(ensureModel('nope' as never)).rejects.toThrow(/Unknown model "nope"; known: asr-en-zipformer-3m, vad-silero/);
  });

});
