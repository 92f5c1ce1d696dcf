import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, copyFile, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { x as extractTar } from 'tar';
import bunzip2 from 'unbzip2-stream';
import { isModelName, models, type ModelFile, type ModelName, type ModelSpec, type UpstreamSource } from './manifest';

export class ModelError extends Error {
  override readonly name = 'ModelError';
}

export interface EnsureModelOptions {
  /** Where models live. Default: `resolveModelsDir(env)`. */
  readonly modelsDir?: string;
  /** Folder to copy missing files from (`<mirror>/<model>/<file>`). Default: VOICE_AGENT_MODELS_MIRROR; null: none. */
  readonly mirrorDir?: string | null;
  /** Fetch missing files from their upstream URLs. Default true. */
  readonly download?: boolean;
  /** Per download. Default 10 minutes. */
  readonly downloadTimeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  /** Progress lines (copies, downloads, bad files). */
  readonly log?: (line: string) => void;
}

export interface ResolvedModel {
  readonly name: string;
  readonly dir: string;
  /** Absolute path of each file, by file name. */
  readonly files: Readonly<Record<string, string>>;
}

/** VOICE_AGENT_MODELS, else ~/.cache/voice-agent/models (under $XDG_CACHE_HOME when set). */
export function resolveModelsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VOICE_AGENT_MODELS) return resolve(env.VOICE_AGENT_MODELS);
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'voice-agent', 'models');
}

export function resolveMirrorDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.VOICE_AGENT_MODELS_MIRROR ? resolve(env.VOICE_AGENT_MODELS_MIRROR) : undefined;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

function specOf(model: ModelName | ModelSpec): ModelSpec {
  if (typeof model !== 'string') return model;
  if (!isModelName(model)) throw new ModelError(`Unknown model "${String(model)}"; known: ${Object.keys(models).join(', ')}.`);
  return models[model];
}

const exists = (path: string) => access(path).then(() => true, () => false);

class ChecksumError extends Error {}

/**
 * Makes sure every file of a model is in the models directory with the right
 * sha256, fetching what is missing: first from the mirror folder, then from
 * upstream. A file that fails its checksum is removed, never used. Safe to
 * run from several processes at once (files appear by atomic rename).
 */
export async function ensureModel(model: ModelName | ModelSpec, options: EnsureModelOptions = {}): Promise<ResolvedModel> {
  const spec = specOf(model);
  const env = options.env ?? process.env;
  const modelsDir = resolve(options.modelsDir ?? resolveModelsDir(env));
  const mirrorDir = options.mirrorDir === undefined ? resolveMirrorDir(env) : (options.mirrorDir ?? undefined);
  const log = options.log ?? ((_line: string) => undefined);
  const dir = join(modelsDir, spec.name);
  const files = Object.fromEntries(spec.files.map((f) => [f.name, join(dir, f.name)]));

  let missing: ModelFile[] = [];
  for (const file of spec.files) {
    const path = join(dir, file.name);
    if (!(await exists(path))) {
      missing.push(file);
      continue;
    }
    const actual = await sha256File(path);
    if (actual === file.sha256) continue;
    log(`${spec.name}/${file.name}: sha256 ${actual} is not the expected ${file.sha256}; replacing it`);
    try {
      await rm(path);
    } catch (error) {
      throw new ModelError(`${path} has the wrong sha256 (${actual}, expected ${file.sha256}) and cannot be removed: ${describe(error)}`);
    }
    missing.push(file);
  }
  if (missing.length === 0) return { name: spec.name, dir, files };

  await mkdir(dir, { recursive: true });
  const problems = new Map<string, string[]>(missing.map((f) => [f.name, []]));
  const note = (file: ModelFile, problem: string) => problems.get(file.name)?.push(problem);

  if (mirrorDir) {
    const still: ModelFile[] = [];
    for (const file of missing) {
      const source = join(mirrorDir, spec.name, file.name);
      if (!(await exists(source))) {
        note(file, `not in the mirror (${source})`);
        still.push(file);
        continue;
      }
      try {
        await place(spec, file, join(dir, file.name), (part) => copyFile(source, part), `mirror ${source}`);
        log(`${spec.name}/${file.name}: copied from ${source}`);
      } catch (error) {
        if (!(error instanceof ChecksumError)) throw error;
        note(file, error.message);
        still.push(file);
      }
    }
    missing = still;
  }

  if (missing.length > 0 && options.download !== false) {
    const work = await mkdtemp(join(modelsDir, '.download-'));
    try {
      // One fetch per URL, shared by every file that comes from the same archive.
      const fetched = new Map<string, Promise<string>>();
      const fetchOnce = (source: UpstreamSource) => {
        let result = fetched.get(source.url);
        if (!result) {
          const wanted = missing.flatMap((f) => f.upstream.flatMap((s) => (s.url === source.url && s.pathInArchive ? [s.pathInArchive] : [])));
          log(`downloading ${source.url}`);
          result = download(source.url, wanted, work, options.downloadTimeoutMs ?? 600_000);
          fetched.set(source.url, result);
        }
        return result;
      };
      const still: ModelFile[] = [];
      for (const file of missing) {
        let done = false;
        for (const source of file.upstream) {
          try {
            const fetchedPath = await fetchOnce(source);
            const from = source.pathInArchive ? join(fetchedPath, source.pathInArchive) : fetchedPath;
            if (!(await exists(from))) throw new Error(`${source.pathInArchive} is not in the archive`);
            await place(spec, file, join(dir, file.name), (part) => copyFile(from, part), `${source.url}`);
            log(`${spec.name}/${file.name}: downloaded from ${source.url}`);
            done = true;
            break;
          } catch (error) {
            note(file, error instanceof ChecksumError ? error.message : `download from ${source.url} failed: ${describe(error)}`);
          }
        }
        if (!done) still.push(file);
      }
      missing = still;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  } else if (missing.length > 0) {
    for (const file of missing) note(file, 'downloads are turned off');
  }

  if (missing.length === 0) return { name: spec.name, dir, files };
  const lines = missing.map((f) => `  - ${f.name}: ${(problems.get(f.name) ?? []).join('; ') || 'missing'}`);
  throw new ModelError(
    [
      `Model "${spec.name}" is incomplete in ${dir}:`,
      ...lines,
      `Fix: run \`npm run models\` on a machine with internet access (it fills ${modelsDir}), ` +
        `or set VOICE_AGENT_MODELS_MIRROR=/path/to/models, a folder holding ${missing.map((f) => `${spec.name}/${f.name}`).join(', ')}.`,
    ].join('\n'),
  );
}

/** Every model in the manifest (or the ones named). */
export async function ensureModels(names: readonly ModelName[] = Object.keys(models) as ModelName[], options: EnsureModelOptions = {}): Promise<ResolvedModel[]> {
  const resolved: ResolvedModel[] = [];
  for (const name of names) resolved.push(await ensureModel(name, options));
  return resolved;
}

/** Writes a file beside its destination, checks it, then renames it into place. */
async function place(spec: ModelSpec, file: ModelFile, dest: string, produce: (part: string) => Promise<void>, origin: string): Promise<void> {
  const part = `${dest}.${process.pid}.${randomBytes(4).toString('hex')}.part`;
  try {
    await produce(part);
    const actual = await sha256File(part);
    if (actual !== file.sha256) {
      const patched = file.patched && !origin.startsWith('mirror ')
        ? ` Upstream's file cannot match: ${file.patched}; copy it from a mirror (VOICE_AGENT_MODELS_MIRROR).`
        : '';
      throw new ChecksumError(`${spec.name}/${file.name} from ${origin} has sha256 ${actual}, expected ${file.sha256}; the file was removed.${patched}`);
    }
    await rename(part, dest);
  } finally {
    await rm(part, { force: true });
  }
}

/**
 * Downloads a URL into `work`: the file itself, or (when `wanted` names paths
 * inside it) a folder with those paths extracted from the tar archive. A
 * .bz2 archive is decompressed here; gzip is recognised by tar itself.
 */
async function download(url: string, wanted: readonly string[], work: string, timeoutMs: number): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
  }
  const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  if (wanted.length === 0) {
    const file = join(work, `file-${randomBytes(4).toString('hex')}`);
    await pipeline(body, createWriteStream(file));
    return file;
  }
  const out = await mkdtemp(join(work, 'archive-'));
  const entries = new Set(wanted.map(entryName));
  await new Promise<void>((resolvePromise, reject) => {
    // Explicit wiring: unbzip2-stream is a classic stream, and tar's unpacker
    // signals completion with 'close' once every file is on disk.
    const unpack = extractTar({ cwd: out, strict: true, filter: (path) => entries.has(entryName(path)) });
    unpack.on('close', () => resolvePromise());
    unpack.on('error', reject);
    body.on('error', reject);
    if (/\.(tar\.bz2|tbz2?)$/i.test(new URL(url).pathname)) {
      const decompress = bunzip2();
      decompress.on('error', reject);
      body.pipe(decompress).pipe(unpack);
    } else {
      body.pipe(unpack);
    }
  });
  return out;
}

const entryName = (path: string) => path.replace(/^(\.\/)+/, '');

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}
