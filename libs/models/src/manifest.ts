/**
 * The offline speech models the project uses, pinned by sha256. The files
 * themselves are never committed: `ensureModel` puts them in the models
 * directory from a mirror folder or from the upstream URLs below.
 */

export interface UpstreamSource {
  /** Where to download from. */
  readonly url: string;
  /** The file's path inside the `.tar.bz2` at `url`; absent when `url` is the file itself. */
  readonly pathInArchive?: string;
}

export interface ModelFile {
  /** File name inside the model's folder. */
  readonly name: string;
  readonly sha256: string;
  readonly bytes: number;
  /** Tried in order. */
  readonly upstream: readonly UpstreamSource[];
  /**
   * Set when our file is a modified copy of the upstream one (says how). Its
   * checksum cannot match what upstream serves, so only a mirror supplies it.
   */
  readonly patched?: string;
}

export interface ModelSpec {
  /** Folder name under the models directory (and under a mirror). */
  readonly name: string;
  readonly description: string;
  readonly license: string;
  readonly files: readonly ModelFile[];
}

const kwsArchive =
  'https://github.com/k2-fsa/sherpa-onnx/releases/download/kws-models/sherpa-onnx-kws-zipformer-gigaspeech-3.3M-2024-01-01-mobile.tar.bz2';
const kwsDir = 'sherpa-onnx-kws-zipformer-gigaspeech-3.3M-2024-01-01-mobile';

export const asrEnZipformer3m: ModelSpec = {
  name: 'asr-en-zipformer-3m',
  description: 'Streaming English zipformer transducer, 3.3M parameters (sherpa-onnx kws-zipformer-gigaspeech mobile), run as a general OnlineRecognizer.',
  license: 'Apache-2.0',
  files: [
    {
      name: 'encoder.int8.onnx',
      sha256: 'dbf6c1a2516a3b4d1a85ab235dddd326f52734fcf53481462caa8abf08a84bf5',
      bytes: 3_998_831,
      upstream: [{ url: kwsArchive, pathInArchive: `${kwsDir}/encoder-epoch-12-avg-2-chunk-16-left-64.int8.onnx` }],
      patched:
        'the released int8 encoder fails in current onnxruntime (Reshape {17,1,128} to {8,2,1,128}); ours has its six one-frame pad nodes in the downsample blocks removed',
    },
    {
      name: 'decoder.onnx',
      sha256: 'f61ebd3eed3773a44d088d53dfae92dbb6aec4839f4dcaee2d402414741663a3',
      bytes: 1_063_189,
      upstream: [{ url: kwsArchive, pathInArchive: `${kwsDir}/decoder-epoch-12-avg-2-chunk-16-left-64.onnx` }],
    },
    {
      name: 'joiner.int8.onnx',
      sha256: 'eae9da0c7e1e6c6a3f4cc42d167899c388f6c6701b94cb96320e4f55df79624c',
      bytes: 163_380,
      upstream: [{ url: kwsArchive, pathInArchive: `${kwsDir}/joiner-epoch-12-avg-2-chunk-16-left-64.int8.onnx` }],
    },
    {
      name: 'tokens.txt',
      sha256: 'fd2ded4050a55d2b1578870ba8697d02371980217806b7558bd0a5cc60f3ba53',
      bytes: 5_006,
      upstream: [{ url: kwsArchive, pathInArchive: `${kwsDir}/tokens.txt` }],
    },
  ],
};

export const vadSilero: ModelSpec = {
  name: 'vad-silero',
  description: 'Silero VAD v5 (16 kHz, 512-sample windows).',
  license: 'MIT',
  files: [
    {
      name: 'silero_vad.onnx',
      sha256: '2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f',
      bytes: 2_327_524,
      upstream: [
        { url: 'https://github.com/snakers4/silero-vad/raw/v5.1.2/src/silero_vad/data/silero_vad.onnx' },
        { url: 'https://github.com/k2-fsa/sherpa-onnx/releases/download/asr-models/silero_vad.onnx' },
      ],
    },
  ],
};

export const models = {
  'asr-en-zipformer-3m': asrEnZipformer3m,
  'vad-silero': vadSilero,
} as const satisfies Record<string, ModelSpec>;

export type ModelName = keyof typeof models;

export const modelNames = Object.keys(models) as ModelName[];

export function isModelName(name: string): name is ModelName {
  return Object.hasOwn(models, name);
}
