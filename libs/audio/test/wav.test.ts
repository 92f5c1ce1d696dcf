import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WavFileWriter, WavFormatError, alaw, encodeWav, mulaw, parseWav, wavHeader, wavSamples } from '../src';

/** A WAV file built field by field, to make well-formed and broken ones. */
interface WavFields {
  formatTag?: number;
  channels?: number;
  sampleRateHz?: number;
  bitsPerSample?: number;
  blockAlign?: number;
  data?: Uint8Array;
  dataSize?: number;
  before?: Array<[string, Uint8Array]>;
  fmtSize?: number;
  extensible?: boolean;
}

function wavFile(fields: WavFields = {}): Buffer {
  const { formatTag = 1, channels = 1, sampleRateHz = 8000, bitsPerSample = 16, data = new Uint8Array(0), before = [], fmtSize = 16, extensible = false } = fields;
  const { blockAlign = (channels * bitsPerSample) / 8, dataSize = data.length } = fields;
  const full = Buffer.alloc(40);
  const fmt = full.subarray(0, extensible ? 40 : fmtSize);
  full.writeUInt16LE(extensible ? 0xfffe : formatTag, 0);
  full.writeUInt16LE(channels, 2);
  full.writeUInt32LE(sampleRateHz, 4);
  full.writeUInt32LE(sampleRateHz * blockAlign, 8);
  full.writeUInt16LE(blockAlign, 12);
  full.writeUInt16LE(bitsPerSample, 14);
  if (extensible) {
    full.writeUInt16LE(22, 16);
    full.writeUInt16LE(formatTag, 24);
  }
  const chunk = (id: string, body: Uint8Array, size = body.length) => {
    const header = Buffer.alloc(8);
    header.write(id, 0, 'latin1');
    header.writeUInt32LE(size, 4);
    return Buffer.concat([header, body, Buffer.alloc(body.length % 2)]);
  };
  const body = Buffer.concat([...before.map(([id, b]) => chunk(id, b)), chunk('fmt ', fmt), chunk('data', data, dataSize)]);
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(body.length + 4, 4);
  riff.write('WAVE', 8, 'latin1');
  return Buffer.concat([riff, body]);
}

const ramp = Int16Array.from({ length: 320 }, (_, i) => (i - 160) * 200);

describe('parseWav', () => {
  it('reads linear16 at any rate and channel count, sharing the file memory', () => {
    const data = Buffer.from(ramp.buffer);
    const file = wavFile({ channels: 2, sampleRateHz: 44100, data, before: [['LIST', Buffer.from('odd')]] });
    const wav = parseWav(file);
    expect(wav).toMatchObject({ encoding: 'linear16', sampleRateHz: 44100, channels: 2, bitsPerSample: 16 });
    expect(Array.from(wavSamples(wav))).toEqual(Array.from(ramp));
    expect(wav.data.buffer).toBe(file.buffer);
  });

  it('decodes μ-law (format 7) and A-law (format 6), including WAVE_FORMAT_EXTENSIBLE', () => {
    for (const [codec, formatTag] of [
      [mulaw, 7],
      [alaw, 6],
    ] as const) {
      for (const extensible of [false, true]) {
        const wav = parseWav(wavFile({ formatTag, bitsPerSample: 8, data: codec.encode(ramp), extensible, fmtSize: 18 }));
        expect(wav.encoding).toBe(codec === mulaw ? 'mulaw' : 'alaw');
        expect(Array.from(wavSamples(wav))).toEqual(Array.from(codec.decode(codec.encode(ramp))));
      }
    }
  });

  it('takes the rest of the file when the data size was never patched (0xFFFFFFFF)', () => {
    const wav = parseWav(wavFile({ data: Buffer.from(ramp.buffer), dataSize: 0xffffffff }));
    expect(wav.data.length).toBe(640);
  });

  it.each([
    ['an empty buffer', Buffer.alloc(0), /too short/],
    ['a non-RIFF file', Buffer.from('ID3\u0004garbage-garbage'), /not a RIFF file/],
    ['RIFX', Buffer.concat([Buffer.from('RIFX'), Buffer.alloc(4), Buffer.from('WAVE')]), /RIFX WAV is not supported/],
    ['another RIFF form', Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('AVI ')]), /not "WAVE"/],
    ['no fmt chunk', Buffer.concat([Buffer.from('RIFF'), Buffer.from([4, 0, 0, 0]), Buffer.from('WAVE')]), /no fmt chunk/],
    ['a truncated data chunk', wavFile({ data: Buffer.alloc(100), dataSize: 400 }), /declares 400 bytes but only 100 remain/],
    ['a short fmt chunk', wavFile({ fmtSize: 14 }), /fmt chunk is 14 bytes/],
    ['8-bit PCM', wavFile({ bitsPerSample: 8, data: Buffer.alloc(4) }), /linear16 WAV must be 16-bit/],
    ['16-bit μ-law', wavFile({ formatTag: 7, data: Buffer.alloc(4) }), /mulaw WAV must be 8-bit/],
    ['float', wavFile({ formatTag: 3, bitsPerSample: 32, data: Buffer.alloc(8) }), /IEEE float/],
    ['ADPCM', wavFile({ formatTag: 2, bitsPerSample: 4, blockAlign: 256 }), /format tag 0x2 is not supported/],
    ['zero channels', wavFile({ channels: 0, blockAlign: 0 }), /0 channels/],
    ['a wrong block align', wavFile({ blockAlign: 3, data: Buffer.alloc(6) }), /block align 3/],
    ['a partial sample frame', wavFile({ channels: 2, data: Buffer.alloc(6) }), /not a whole number/],
    ['a chunk overrunning the file', Buffer.concat([wavFile().subarray(0, 12), Buffer.from('LIST'), Buffer.from([255, 0, 0, 0])]), /"LIST" chunk declares 255 bytes/],
  ])('rejects %s with a WavFormatError that says why', (_name, file, message) => {
    expect(() => parseWav(file)).toThrow(WavFormatError);
    expect(() => parseWav(file)).toThrow(message);
  });

  it('rejects data before fmt', () => {
    const good = wavFile({ data: Buffer.alloc(4) });
    const fmt = good.subarray(12, 12 + 24);
    const data = good.subarray(36);
    expect(() => parseWav(Buffer.concat([good.subarray(0, 12), data, fmt]))).toThrow(/data chunk comes before the fmt chunk/);
  });
});

describe('writing WAV', () => {
  it('encodes linear16 that parses back to the same samples, with a canonical 44-byte header', () => {
    const file = encodeWav(ramp, { sampleRateHz: 16000 });
    expect(file.length).toBe(44 + 640);
    expect(file.readUInt32LE(4)).toBe(36 + 640);
    expect(file.readUInt32LE(28)).toBe(32000);
    const wav = parseWav(file);
    expect(wav).toMatchObject({ encoding: 'linear16', sampleRateHz: 16000, channels: 1 });
    expect(Array.from(wavSamples(wav))).toEqual(Array.from(ramp));
    expect(parseWav(encodeWav(new Uint8Array(ramp.buffer), { sampleRateHz: 8000, channels: 2 })).channels).toBe(2);
  });

  it('refuses impossible formats', () => {
    expect(() => wavHeader(0, { sampleRateHz: 0 })).toThrow(RangeError);
    expect(() => wavHeader(0, { sampleRateHz: 8000, channels: 0 })).toThrow(RangeError);
    expect(() => wavHeader(2 ** 32, { sampleRateHz: 8000 })).toThrow(RangeError);
    expect(() => encodeWav(new Uint8Array(3), { sampleRateHz: 8000 })).toThrow(RangeError);
  });

  describe('WavFileWriter', () => {
    let dir: string;
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('streams frames to disk, keeps the file readable before close, and patches the sizes on close', async () => {
      dir = mkdtempSync(join(tmpdir(), 'wav-'));
      const path = join(dir, 'call.wav');
      const writer = await WavFileWriter.create(path, { sampleRateHz: 8000 });
      const frame = new Int16Array(160);
      const writes: Array<Promise<void>> = [];
      for (let i = 0; i < 50; i++) {
        frame.fill(i * 100);
        writes.push(writer.write(frame));
      }
      await Promise.all(writes);
      const unfinished = parseWav(readFileSync(path));
      expect(unfinished.data.length).toBe(50 * 320);
      await expect(writer.write(new Uint8Array(3))).rejects.toThrow(RangeError);
      expect(await writer.close()).toBe(50 * 320);
      expect(await writer.close()).toBe(50 * 320);
      await expect(writer.write(frame)).rejects.toThrow(/closed/);

      const file = readFileSync(path);
      expect(file.readUInt32LE(4)).toBe(36 + 50 * 320);
      expect(file.readUInt32LE(40)).toBe(50 * 320);
      const samples = wavSamples(parseWav(file));
      expect(samples.length).toBe(50 * 160);
      expect(samples[49 * 160]).toBe(4900);
      expect(samples[0]).toBe(0);
    });
  });
});
