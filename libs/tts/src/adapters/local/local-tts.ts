import { constants } from 'node:fs';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { resample } from '@voiceagent/audio';
import { ConcurrencyLimiter } from '../../domain/limiter';
import { normalizeForSpeech } from '../../domain/normalize';
import { assertFrameRate, bytesOf, parseWav, trimSilence } from '../../domain/pcm';
import { OpenStreams, SentenceSynthesisStream, synthesizeWhole, type StreamLimits } from '../../domain/sentence-stream';
import { isSpeakable } from '../../domain/sentence-segmenter';
import { TtsSetupError, TtsSynthesisError, type SynthesisOptions, type SynthesisStream, type TextToSpeech } from '../../ports/text-to-speech';
import { MissingBinaryError, type ProcessLauncher, type ProcessObserver } from './processes';
import { SpawnHelper } from './spawn-helper';
import { DEBIAN_PACKAGE, DEFAULT_VOICE, fliteVoiceForRate, isKnownFliteVoice, parseFliteVoiceList, parseVoice, type Backend, type LocalVoice } from './voices';

export interface LocalTtsOptions {
  /** Default voice (TTS_VOICE); see voices.ts. Default `kal` (flite, 8 kHz native). */
  readonly voice?: string;
  /**
   * Synthesis processes running at once across all streams of this engine.
   * Default: twice the CPUs this process may use (at least 2): a short
   * sentence spends much of its life starting the process and piping its
   * output, so one per CPU queues calls' first sentences behind each other.
   */
  readonly maxConcurrentProcesses?: number;
  readonly limits?: StreamLimits;
  /** Commands to run (names looked up on PATH, or paths). */
  readonly flitePath?: string;
  readonly espeakPath?: string;
  /** Where flite writes its WAV files. Default: a private folder in /dev/shm (memory), else the OS temp folder. */
  readonly tempDir?: string;
  readonly observer?: ProcessObserver;
  /**
   * Where the synthesis processes start. Default: a helper process of the
   * engine's own (see SpawnHelper: forking the service itself stalls its
   * event loop); `directLauncher` spawns from this process.
   */
  readonly launcher?: ProcessLauncher;
}

/**
 * Silence kept around each sentence: a short lead-in and the pause before the
 * next one. The lead-in is waiting time for the caller on a reply's first
 * sentence; 10 ms keeps the softest onsets (the cut is at about -44 dBFS).
 */
const LEAD_MS = 10;
const TRAIL_MS = 200;

/**
 * The embedded engine: one flite (or espeak-ng) process per sentence. flite
 * cannot write to a Node pipe (libuv pipes are sockets, so `-o /dev/stdout`
 * fails and flite still exits 0), so it writes a WAV into a tmpfs folder;
 * espeak-ng writes to stdout. Measured on 2 cores: a 10-word sentence with
 * kal takes ~20 ms, so the first frame is out well inside the budget.
 */
export class LocalTextToSpeech implements TextToSpeech {
  readonly engine = 'local';
  private readonly limiter: ConcurrencyLimiter;
  private readonly streams = new OpenStreams();
  private fileSeq = 0;

  private constructor(
    private readonly options: LocalTtsOptions,
    readonly voice: string,
    /** Native rate of the default voice, learned from a warm-up sentence. */
    readonly sampleRateHz: number,
    private readonly backends: Record<Backend, boolean>,
    private readonly fliteVoices: ReadonlySet<string>,
    private readonly tempDir: string,
    private readonly ownsTempDir: boolean,
    private readonly launcher: ProcessLauncher,
    private readonly ownsLauncher: boolean,
  ) {
    this.limiter = new ConcurrencyLimiter(options.maxConcurrentProcesses ?? Math.max(2, 2 * availableParallelism()));
  }

  /**
   * Checks the binaries and the default voice and synthesizes a warm-up word
   * (which also pages the voice data in). Throws TtsSetupError naming the
   * Debian package when the default voice's synthesizer is missing.
   */
  static async create(options: LocalTtsOptions = {}): Promise<LocalTextToSpeech> {
    const voice = options.voice?.trim() || DEFAULT_VOICE;
    const wanted = parseVoice(voice);
    const signal = new AbortController().signal;
    const ownsLauncher = options.launcher === undefined;
    const launcher = options.launcher ?? new SpawnHelper();
    const probe = async (command: string, args: string[]) => {
      try {
        return (await launcher.run(command, args, { signal })).stdout.toString('utf8');
      } catch (error) {
        if (error instanceof MissingBinaryError) return undefined;
        throw error;
      }
    };
    const ownsTempDir = options.tempDir === undefined;
    let tempDir: string | undefined;
    try {
      const [fliteList, espeakVersion] = await Promise.all([probe(options.flitePath ?? 'flite', ['-lv']), probe(options.espeakPath ?? 'espeak-ng', ['--version'])]);
      const backends = { flite: fliteList !== undefined, 'espeak-ng': espeakVersion !== undefined };
      const fliteVoices = parseFliteVoiceList(fliteList ?? '');
      if (!backends[wanted.backend]) throw missingBackend(wanted.backend, wanted.backend === 'flite' ? (options.flitePath ?? 'flite') : (options.espeakPath ?? 'espeak-ng'));
      if (wanted.backend === 'flite' && !isKnownFliteVoice(wanted.name, fliteVoices)) throw unknownFliteVoice(wanted.name, fliteVoices);

      tempDir = options.tempDir ?? (await mkdtemp(join((await writable('/dev/shm')) ? '/dev/shm' : tmpdir(), 'voiceagent-tts-')));
      const probeEngine = new LocalTextToSpeech(options, voice, 0, backends, fliteVoices, tempDir, false, launcher, false);
      const warm = await probeEngine.runBackend('Hello.', wanted, undefined, signal);
      return new LocalTextToSpeech(options, voice, warm.sampleRateHz, backends, fliteVoices, tempDir, ownsTempDir, launcher, ownsLauncher);
    } catch (error) {
      if (ownsTempDir && tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
      if (ownsLauncher) await launcher.close();
      throw error instanceof TtsSetupError ? error : new TtsSetupError(`local text-to-speech could not synthesize with voice "${voice}": ${(error as Error).message}`);
    }
  }

  /** Synthesis processes allowed at once (maxConcurrentProcesses). */
  get maxProcesses(): number {
    return this.limiter.limit;
  }

  /** Synthesis processes running now (the rest wait for a slot). */
  get activeProcesses(): number {
    return this.limiter.active;
  }

  stream(options: SynthesisOptions): SynthesisStream {
    assertFrameRate(options.sampleRateHz);
    const voice = this.resolve(options.voice);
    const rate = options.sampleRateHz;
    return this.streams.open((onClose) => new SentenceSynthesisStream((text, signal, _onAudio, sentence) => this.synthesizeSentence(text, voice, rate, signal, sentence.urgent), rate, this.options.limits, onClose));
  }

  async synthesize(text: string, options: SynthesisOptions): Promise<Uint8Array> {
    return synthesizeWhole(this.stream(options), text);
  }

  async close(): Promise<void> {
    if (!(await this.streams.closeAll())) return;
    if (this.ownsLauncher) await this.launcher.close();
    if (this.ownsTempDir) await rm(this.tempDir, { recursive: true, force: true });
  }

  private resolve(requested: string | undefined): LocalVoice {
    const voice = parseVoice(requested?.trim() || this.voice);
    if (!this.backends[voice.backend]) {
      throw missingBackend(voice.backend, voice.backend === 'flite' ? (this.options.flitePath ?? 'flite') : (this.options.espeakPath ?? 'espeak-ng'));
    }
    if (voice.backend === 'flite' && !isKnownFliteVoice(voice.name, this.fliteVoices)) throw unknownFliteVoice(voice.name, this.fliteVoices);
    return voice;
  }

  private async synthesizeSentence(text: string, voice: LocalVoice, sampleRateHz: number, signal: AbortSignal, urgent: boolean): Promise<Uint8Array> {
    const spoken = normalizeForSpeech(text);
    if (!isSpeakable(spoken)) return new Uint8Array(0);
    const release = await this.limiter.acquire(signal, { urgent });
    let wav;
    try {
      wav = await this.runBackend(spoken, voice, sampleRateHz, signal);
    } finally {
      release();
    }
    const speech = trimSilence(wav.pcm, wav.sampleRateHz, { leadMs: LEAD_MS, trailMs: TRAIL_MS });
    // At the voice's native rate the samples go out as they are (toFrames copies them once anyway).
    return bytesOf(wav.sampleRateHz === sampleRateHz ? speech : resample(speech, wav.sampleRateHz, sampleRateHz));
  }

  /** One process, one sentence; returns the WAV it made. */
  private async runBackend(text: string, voice: LocalVoice, sampleRateHz: number | undefined, signal: AbortSignal) {
    const observer = this.options.observer;
    if (voice.backend === 'espeak-ng') {
      const command = this.options.espeakPath ?? 'espeak-ng';
      // Text on stdin: it can never be taken for an option.
      const result = await this.launcher.run(command, ['--stdout', '-v', voice.name], { stdin: text, signal, observer }).catch(rethrowSetup('espeak-ng'));
      if (result.code !== 0 || result.stdout.byteLength === 0) throw new TtsSynthesisError(`espeak-ng failed (exit ${result.code}): ${result.stderr || 'no audio'}`);
      return parseWav(result.stdout);
    }
    const command = this.options.flitePath ?? 'flite';
    const name = sampleRateHz === undefined ? voice.name : fliteVoiceForRate(voice.name, sampleRateHz, this.fliteVoices);
    const file = join(this.tempDir, `${process.pid}-${this.fileSeq++}.wav`);
    try {
      const result = await this.launcher.run(command, ['-voice', name, '-t', text, '-o', file], { signal, observer }).catch(rethrowSetup('flite'));
      // flite exits 0 even when it could not write the file: the file is the verdict.
      const bytes = await readFile(file).catch(() => undefined);
      if (result.code !== 0 || !bytes) throw new TtsSynthesisError(`flite failed (exit ${result.code}): ${result.stderr || 'no audio written'}`);
      return parseWav(bytes);
    } finally {
      await rm(file, { force: true });
    }
  }
}

function rethrowSetup(backend: Backend) {
  return (error: unknown): never => {
    if (error instanceof MissingBinaryError) throw missingBackend(backend, error.command);
    throw error;
  };
}

function missingBackend(backend: Backend, command: string): TtsSetupError {
  const pkg = DEBIAN_PACKAGE[backend];
  return new TtsSetupError(
    `local text-to-speech needs ${backend}, which was not found (ran "${command}"): install the Debian package ${pkg} (apt-get install ${pkg}), or set TTS_ENGINE to another engine`,
  );
}

function unknownFliteVoice(name: string, available: ReadonlySet<string>): TtsSetupError {
  return new TtsSetupError(`flite has no voice "${name}" (installed: ${[...available].join(', ') || 'none'}); use one of them, a path to a .flitevox file, or espeak-ng:<voice>`);
}

async function writable(dir: string): Promise<boolean> {
  try {
    await access(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
