import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bpeVocab, hotwordLines, phoneCallVocabulary } from '../src/adapters/local/hotwords';
import { createLocalSpeechToText, type LocalSpeechToText } from '../src/adapters/local/local-engine';
import { withoutPaddingWords } from '../src/adapters/local/local-stream';
import { sharedRecognizer } from '../src/adapters/local/recognizers';
import type { SherpaOnlineRecognizerConfig, SherpaOnnx } from '../src/adapters/local/sherpa';
import { collect, concat, finals, localEngine, modelsMirror, pushAll, silence, speak } from './speech';

const scratch = mkdtempSync(join(tmpdir(), 'stt-hotwords-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The real model's token list. */
const modelTokens = () => readFileSync(join(modelsMirror, 'asr-en-zipformer-3m', 'tokens.txt'), 'utf8');

function scores(vocab: string): Map<string, number> {
  return new Map(
    vocab
      .trim()
      .split('\n')
      .map((line) => {
        const [piece, score] = line.split(' ');
        return [piece!, Number(score)];
      }),
  );
}

describe('hotword lines', () => {
  it('upper-cases, keeps apostrophes, turns other punctuation into spaces, dedupes and sorts', () => {
    expect(hotwordLines(['Beard trim', 'blow-dry', "O'Clock", 'o’clock', 'beard  TRIM', 'Check-up & clean', "'quoted'"])).toEqual([
      'BEARD TRIM',
      'BLOW DRY',
      'CHECK UP CLEAN',
      "O'CLOCK",
      'QUOTED',
    ]);
  });

  it('leaves out terms with digits (the recognizer writes numbers as words) and terms with no letters', () => {
    expect(hotwordLines(['24/7 service', 'Suite 5', '', '  ', '--', 'twenty four seven'])).toEqual(['TWENTY FOUR SEVEN']);
  });

  it('gives the same lines for the same set in any order or case', () => {
    expect(hotwordLines(['trim', 'Haircut'])).toEqual(hotwordLines(['HAIRCUT', 'trim', 'haircut']));
  });

  it('keeps every term of the phone-call vocabulary', () => {
    expect(hotwordLines(phoneCallVocabulary)).toHaveLength(new Set(phoneCallVocabulary).size);
  });
});

describe('hotword vocabulary from tokens.txt', () => {
  it('lists the pieces in the model order with falling scores, without <blk>, <sos/eos>, <unk>', () => {
    const vocab = bpeVocab('<blk> 0\n<sos/eos> 1\n<unk> 2\nS 3\n▁THE 4\n▁A 5\n');
    expect(vocab).toMatch(/^S -?\d+\.\d{4}\n▁THE -?\d+\.\d{4}\n▁A -?\d+\.\d{4}\n$/);
    const [s, the, a] = [...scores(vocab).values()];
    expect(s).toBeGreaterThan(the!);
    expect(the).toBeGreaterThan(a!);
  });

  it('never lets two pieces outscore a piece they spell (the model emits "▁AT", never "▁A T")', () => {
    const vocab = scores(bpeVocab(modelTokens()));
    expect(vocab.size).toBe(497);
    let checked = 0;
    for (const [piece, score] of vocab) {
      for (let cut = 1; cut < piece.length; cut++) {
        const [left, right] = [vocab.get(piece.slice(0, cut)), vocab.get(piece.slice(cut))];
        if (left === undefined || right === undefined) continue;
        checked++;
        expect(score, piece).toBeGreaterThan(left + right);
      }
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('refuses a token list with no pieces', () => {
    expect(() => bpeVocab('<blk> 0\n<unk> 1\n')).toThrow(/no pieces/);
  });
});

describe('shared recognizers', () => {
  /** sherpa's recognizer class replaced by one that records its configurations (the native addon is not needed here). */
  function fakeSherpa() {
    const built: SherpaOnlineRecognizerConfig[] = [];
    class OnlineRecognizer {
      constructor(readonly config: SherpaOnlineRecognizerConfig) {
        built.push(config);
      }
    }
    return { built, sherpa: { OnlineRecognizer } as unknown as SherpaOnnx };
  }
  const dir = join(scratch, 'model');
  const tokens = join(scratch, 'tokens.txt');
  writeFileSync(tokens, '<blk> 0\n<sos/eos> 1\n<unk> 2\nS 3\n▁THE 4\n');
  const model = { name: 'asr', dir, files: { 'tokens.txt': tokens, 'encoder.int8.onnx': 'e', 'decoder.onnx': 'd', 'joiner.int8.onnx': 'j' } };

  it('biases modified beam search with the hotword lines, split by sherpa with a vocabulary file rebuilt from tokens.txt', () => {
    const { built, sherpa } = fakeSherpa();
    // The vocabulary file goes to the temp folder: this test's own.
    const tmp = process.env.TMPDIR;
    process.env.TMPDIR = scratch;
    try {
      sharedRecognizer(sherpa, { ...model, dir: join(scratch, 'config') }, { method: 'beam', hotwords: ['BEARD TRIM', 'HAIRCUT'] });
    } finally {
      if (tmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = tmp;
    }
    const [config] = built;
    expect(config!.modelConfig.bpeVocab).toMatch(new RegExp(`^${scratch}/voice-agent-bpe-[0-9a-f]{16}\\.vocab$`));
    expect(config).toMatchObject({ decodingMethod: 'modified_beam_search', hotwordsBuf: 'BEARD TRIM\nHAIRCUT\n', hotwordsBufSize: 19, enableEndpoint: 0 });
    expect(config!.modelConfig).toMatchObject({ modelingUnit: 'bpe', tokens });
    expect(readFileSync(config!.modelConfig.bpeVocab!, 'utf8')).toBe(bpeVocab(readFileSync(tokens, 'utf8')));
  });

  it('builds one recognizer per model and hotword set, and reuses it', () => {
    const { built, sherpa } = fakeSherpa();
    const first = sharedRecognizer(sherpa, model, { method: 'beam', hotwords: ['HAIRCUT'] });
    expect(sharedRecognizer(sherpa, model, { method: 'beam', hotwords: ['HAIRCUT'] })).toBe(first);
    expect(sharedRecognizer(sherpa, model, { method: 'beam', hotwords: ['HAIRCUT', 'TRIM'] })).not.toBe(first);
    expect(sharedRecognizer(sherpa, { ...model, dir: join(scratch, 'other') }, { method: 'beam', hotwords: ['HAIRCUT'] })).not.toBe(first);
    expect(built).toHaveLength(3);
  });

  it('keeps the 8 most recently used recognizers', () => {
    const { built, sherpa } = fakeSherpa();
    const evictionModel = { ...model, dir: join(scratch, 'eviction') };
    const first = sharedRecognizer(sherpa, evictionModel, { method: 'beam', hotwords: ['TERM 0'] });
    for (let i = 1; i <= 8; i++) sharedRecognizer(sherpa, evictionModel, { method: 'beam', hotwords: [`TERM ${i}`] });
    expect(built).toHaveLength(9);
    // TERM 0 was the least recently used of nine: rebuilt.
    expect(sharedRecognizer(sherpa, evictionModel, { method: 'beam', hotwords: ['TERM 0'] })).not.toBe(first);
    expect(built).toHaveLength(10);
    // TERM 8 is still kept.
    sharedRecognizer(sherpa, evictionModel, { method: 'beam', hotwords: ['TERM 8'] });
    expect(built).toHaveLength(10);
  });
});

describe('words heard in the silence after the speech', () => {
  // "▁TRIM" ends the speech at 1000 ms; "▁TO" comes after it.
  const result = (toProbability: number, toAtS = 1.1) => ({
    text: '',
    start_time: 0,
    tokens: [' BEARD', ' TR', 'IM', ' TO'],
    timestamps: [0.5, 0.8, 0.9, toAtS],
    ys_probs: [Math.log(0.6), Math.log(0.5), Math.log(0.7), Math.log(toProbability)],
  });

  it('drops a trailing word that began after the speech ended and came out unsure', () => {
    expect(withoutPaddingWords(result(0.03), 0, 1000).tokens).toEqual([' BEARD', ' TR', 'IM']);
  });

  it('keeps a sure word after the speech, a word that began before its end, and words of a stream without probabilities', () => {
    expect(withoutPaddingWords(result(0.5), 0, 1000).tokens).toHaveLength(4);
    expect(withoutPaddingWords(result(0.03, 0.95), 0, 1000).tokens).toHaveLength(4);
    expect(withoutPaddingWords({ ...result(0.03), ys_probs: undefined }, 0, 1000).tokens).toHaveLength(4);
  });

  it('measures from the stream origin and drops a whole multi-piece word', () => {
    // Origin 500 ms: "▁TR IM" starts at 1300 ms, after the speech ended at 1200 ms, with a geometric mean probability under 0.1.
    const unsure = { ...result(0.03), ys_probs: [Math.log(0.6), Math.log(0.05), Math.log(0.1), Math.log(0.03)] };
    expect(withoutPaddingWords(unsure, 500, 1200)).toEqual({ tokens: [' BEARD'], timestamps: [0.5], logProbs: [Math.log(0.6)] });
  });
});

describe('local engine: keyterms', () => {
  // The tiny model hears flite's "beard trim" as "bear dream" unless told the business offers one.
  const said = 'is it twenty five dollars for a beard trim';
  let engine: LocalSpeechToText;
  let audio: Int16Array;

  beforeAll(async () => {
    engine = await createLocalSpeechToText({ models: { modelsDir: join(scratch, 'models'), mirrorDir: modelsMirror, download: false }, decoding: 'beam' });
    audio = concat(silence(300), speak(said).samples, silence(1000));
  });

  async function heard(on: LocalSpeechToText, keyterms?: readonly string[]): Promise<string> {
    const stream = on.stream({ sampleRateHz: 8000, keyterms });
    const events = collect(stream);
    pushAll(stream, audio);
    await stream.close();
    return finals(await events)
      .map((f) => f.text)
      .join(' ');
  }

  it("favours a stream's keyterms: the service name comes out right", async () => {
    expect(await heard(engine)).not.toMatch(/beard trim/);
    expect(await heard(engine, ['Beard trim'])).toMatch(/\bdollars for a beard trim$/);
    // The engine's own streams are not changed by another stream's keyterms.
    expect(await heard(engine, [])).not.toMatch(/beard trim/);
  });

  it('leaves keyterms aside with the default (greedy) decoding', async () => {
    expect(await heard(await localEngine(), ['Beard trim'])).not.toMatch(/beard trim/);
  });

  it("applies the engine's keyterms (the business vocabulary) to every stream", async () => {
    const business = await createLocalSpeechToText({
      models: { modelsDir: join(scratch, 'models'), mirrorDir: modelsMirror, download: false },
      keyterms: ['beard trim', 'haircut'],
      decoding: 'beam',
    });
    expect(await heard(business)).toMatch(/\bdollars for a beard trim$/);
  });
});
