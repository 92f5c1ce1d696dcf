import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResolvedModel } from '@voiceagent/models';
import { bpeVocab } from './hotwords';
import type { SherpaOnlineRecognizer, SherpaOnlineRecognizerConfig, SherpaOnnx } from './sherpa';

/**
 * Decoding settings, chosen on the stt benchmark (docs/benchmarks.md).
 * Modified beam search is what lets hotwords act at all; a wide beam keeps
 * a partly matched hotword alive until it completes (12 paths: 1.4 points
 * better than 4 on the benchmark; 30 streams still take 66–77 % of a core,
 * as with greedy search).
 */
const decoding = {
  maxActivePaths: 12,
  /** Log-probability bonus per matched piece (sherpa's default): "saturday" (4 pieces) gains 6. Higher starts turning "for" into "four". */
  hotwordsScore: 1.5,
} as const;

/** sherpa's online hotwords belong to the recognizer, so one recognizer per model and hotword set; each costs about 13 MB and 0.2 s to build. */
const recognizers = new Map<string, SherpaOnlineRecognizer>();
/** Recognizers kept for reuse (least recently used dropped first); streams keep theirs alive until they close. */
const maxRecognizers = 8;
/** Hotword vocabulary file per tokens.txt. */
const vocabFiles = new Map<string, string>();

function file(model: ResolvedModel, name: string): string {
  const path = model.files[name];
  if (!path) throw new Error(`model ${model.name} has no ${name}`);
  return path;
}

/**
 * sherpa reads the hotword vocabulary from a file only. Named by its content
 * in the temp folder, so every process writes the same file once and a
 * read-only models folder is no obstacle.
 */
function vocabFile(tokensPath: string): string {
  let path = vocabFiles.get(tokensPath);
  if (!path) {
    const text = bpeVocab(readFileSync(tokensPath, 'utf8'));
    path = join(tmpdir(), `voice-agent-bpe-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.vocab`);
    if (!existsSync(path)) {
      const partial = `${path}.${process.pid}.tmp`;
      writeFileSync(partial, text);
      renameSync(partial, path);
    }
    vocabFiles.set(tokensPath, path);
  }
  return path;
}

/**
 * The shared recognizer of `model` biased towards `hotwords` (lines from
 * `hotwordLines`): built on first use, then reused by every stream with the
 * same set, in any engine of the process.
 */
export type Decoding = { readonly method: 'greedy' } | { readonly method: 'beam'; readonly hotwords: readonly string[] };

export function sharedRecognizer(sherpa: SherpaOnnx, model: ResolvedModel, decodingChoice: Decoding): SherpaOnlineRecognizer {
  const hotwords = decodingChoice.method === 'beam' ? decodingChoice.hotwords : [];
  const key = `${model.dir}\n${decodingChoice.method}\n${hotwords.join('\n')}`;
  let recognizer = recognizers.get(key);
  if (recognizer) {
    recognizers.delete(key);
  } else {
    const tokens = file(model, 'tokens.txt');
    const buffer = hotwords.length > 0 ? `${hotwords.join('\n')}\n` : undefined;
    const config: SherpaOnlineRecognizerConfig = {
      featConfig: { sampleRate: 16_000, featureDim: 80 },
      modelConfig: {
        transducer: { encoder: file(model, 'encoder.int8.onnx'), decoder: file(model, 'decoder.onnx'), joiner: file(model, 'joiner.int8.onnx') },
        tokens,
        numThreads: 1,
        provider: 'cpu',
        debug: 0,
        ...(buffer ? { modelingUnit: 'bpe', bpeVocab: vocabFile(tokens) } : {}),
      },
      ...(decodingChoice.method === 'beam' ? { decodingMethod: 'modified_beam_search', maxActivePaths: decoding.maxActivePaths } : { decodingMethod: 'greedy_search' }),
      ...(buffer ? { hotwordsBuf: buffer, hotwordsBufSize: Buffer.byteLength(buffer), hotwordsScore: decoding.hotwordsScore } : {}),
      // Turns are found by the voice activity detector, not by the recognizer's own endpoint rules.
      enableEndpoint: 0,
    };
    recognizer = new sherpa.OnlineRecognizer(config);
  }
  recognizers.set(key, recognizer);
  for (const oldest of recognizers.keys()) {
    if (recognizers.size <= maxRecognizers) break;
    recognizers.delete(oldest);
  }
  return recognizer;
}
