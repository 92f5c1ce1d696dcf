import { open, type FileHandle } from 'node:fs/promises';
import { alaw, mulaw } from './g711';
import { int16View, linear16Bytes } from './linear16';

/** RIFF/WAVE: linear16, μ-law (format 7) and A-law (format 6) in, linear16 out. */

export type WavEncoding = 'linear16' | 'mulaw' | 'alaw';

export interface WavAudio {
  readonly encoding: WavEncoding;
  readonly sampleRateHz: number;
  readonly channels: number;
  readonly bitsPerSample: number;
  /** The data chunk's bytes, interleaved; shares memory with the parsed file. */
  readonly data: Uint8Array;
}

export interface WavFormat {
  readonly sampleRateHz: number;
  /** Default 1. */
  readonly channels?: number;
}

export class WavFormatError extends Error {
  override readonly name = 'WavFormatError';
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_ALAW = 6;
const FORMAT_MULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;
/** A size a writer that could not seek back leaves for "up to the end of the file". */
const UNKNOWN_SIZE = 0xffffffff;
const HEADER_BYTES = 44;
/** RIFF sizes are uint32 and count everything after the first 8 bytes. */
const MAX_DATA_BYTES = 0xffffffff - (HEADER_BYTES - 8);

interface FormatChunk {
  readonly formatTag: number;
  readonly channels: number;
  readonly sampleRateHz: number;
  readonly blockAlign: number;
  readonly bitsPerSample: number;
}

const fourCc = (bytes: Uint8Array, at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));

function readFormatChunk(view: DataView, at: number, size: number): FormatChunk {
  if (size < 16) throw new WavFormatError(`fmt chunk is ${size} bytes, needs at least 16`);
  let formatTag = view.getUint16(at, true);
  if (formatTag === FORMAT_EXTENSIBLE) {
    if (size < 40) throw new WavFormatError(`WAVE_FORMAT_EXTENSIBLE fmt chunk is ${size} bytes, needs 40`);
    // The sub-format GUID starts with the plain format tag.
    formatTag = view.getUint16(at + 24, true);
  }
  return {
    formatTag,
    channels: view.getUint16(at + 2, true),
    sampleRateHz: view.getUint32(at + 4, true),
    blockAlign: view.getUint16(at + 12, true),
    bitsPerSample: view.getUint16(at + 14, true),
  };
}

function encodingOf(format: FormatChunk): WavEncoding {
  const { formatTag, bitsPerSample } = format;
  const need = (bits: number, encoding: WavEncoding): WavEncoding => {
    if (bitsPerSample !== bits) throw new WavFormatError(`${encoding} WAV must be ${bits}-bit, this one is ${bitsPerSample}-bit`);
    return encoding;
  };
  switch (formatTag) {
    case FORMAT_PCM:
      return need(16, 'linear16');
    case FORMAT_ALAW:
      return need(8, 'alaw');
    case FORMAT_MULAW:
      return need(8, 'mulaw');
    case FORMAT_FLOAT:
      throw new WavFormatError('IEEE float WAV is not supported (linear16, μ-law and A-law are)');
    default:
      throw new WavFormatError(`WAV format tag 0x${formatTag.toString(16)} is not supported (linear16, μ-law and A-law are)`);
  }
}

/** Parses a WAV file held in memory. Throws WavFormatError, saying what is wrong, on anything malformed or unsupported. */
export function parseWav(file: Uint8Array): WavAudio {
  if (file.length < 12) throw new WavFormatError(`${file.length} bytes is too short for a RIFF header`);
  const riff = fourCc(file, 0);
  if (riff !== 'RIFF') throw new WavFormatError(riff === 'RIFX' || riff === 'RF64' ? `${riff} WAV is not supported` : 'not a RIFF file');
  if (fourCc(file, 8) !== 'WAVE') throw new WavFormatError(`RIFF form is "${fourCc(file, 8)}", not "WAVE"`);

  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const riffSize = view.getUint32(4, true);
  // Trust the RIFF size only when it is plausible; unfinished files carry 0 or 0xFFFFFFFF.
  const end = riffSize >= 4 && riffSize + 8 <= file.length ? riffSize + 8 : file.length;
  let format: FormatChunk | undefined;
  for (let at = 12; at + 8 <= end; ) {
    const id = fourCc(file, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    const remaining = end - body;
    if (id === 'data') {
      if (!format) throw new WavFormatError('data chunk comes before the fmt chunk');
      const encoding = encodingOf(format);
      const { channels, sampleRateHz, blockAlign, bitsPerSample } = format;
      if (channels === 0) throw new WavFormatError('fmt chunk declares 0 channels');
      if (sampleRateHz === 0) throw new WavFormatError('fmt chunk declares a sample rate of 0');
      if (blockAlign !== (channels * bitsPerSample) / 8) throw new WavFormatError(`block align ${blockAlign} does not match ${channels} channel(s) of ${bitsPerSample} bits`);
      let length = size;
      if (size === UNKNOWN_SIZE) length = remaining - (remaining % blockAlign);
      else if (size > remaining) throw new WavFormatError(`data chunk declares ${size} bytes but only ${remaining} remain (truncated file)`);
      if (length % blockAlign !== 0) throw new WavFormatError(`data chunk of ${length} bytes is not a whole number of ${blockAlign}-byte sample frames`);
      return { encoding, sampleRateHz, channels, bitsPerSample, data: file.subarray(body, body + length) };
    }
    if (size > remaining) throw new WavFormatError(`"${id}" chunk declares ${size} bytes but only ${remaining} remain`);
    if (id === 'fmt ') format = readFormatChunk(view, body, size);
    // Chunks are word aligned: an odd-sized chunk is followed by a pad byte.
    at = body + size + (size % 2);
  }
  throw new WavFormatError(format ? 'no data chunk' : 'no fmt chunk');
}

/** The audio of a parsed WAV as interleaved linear16 samples (a view for aligned linear16 data, decoded otherwise). */
export function wavSamples(wav: WavAudio): Int16Array {
  switch (wav.encoding) {
    case 'linear16':
      return int16View(wav.data);
    case 'mulaw':
      return mulaw.decode(wav.data);
    case 'alaw':
      return alaw.decode(wav.data);
  }
}

/** The 44-byte header of a linear16 WAV holding `dataBytes` bytes of audio. */
export function wavHeader(dataBytes: number, format: WavFormat): Buffer {
  const channels = format.channels ?? 1;
  const { sampleRateHz } = format;
  if (!Number.isInteger(sampleRateHz) || sampleRateHz <= 0) throw new RangeError(`WAV sample rate must be a positive integer, got ${sampleRateHz}`);
  if (!Number.isInteger(channels) || channels < 1 || channels > 0xffff) throw new RangeError(`WAV channel count must be 1..65535, got ${channels}`);
  if (dataBytes < 0 || dataBytes > MAX_DATA_BYTES) throw new RangeError(`WAV data of ${dataBytes} bytes does not fit a RIFF file`);
  const blockAlign = channels * 2;
  const header = Buffer.alloc(HEADER_BYTES);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(dataBytes + HEADER_BYTES - 8, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(FORMAT_PCM, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRateHz, 24);
  header.writeUInt32LE(sampleRateHz * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

const asBytes = (pcm: Int16Array | Uint8Array) => (pcm instanceof Int16Array ? linear16Bytes(pcm) : pcm);

/** A complete linear16 WAV file; `pcm` is samples or linear16 bytes, interleaved. */
export function encodeWav(pcm: Int16Array | Uint8Array, format: WavFormat): Buffer {
  const bytes = asBytes(pcm);
  if (bytes.length % ((format.channels ?? 1) * 2) !== 0) throw new RangeError(`${bytes.length} bytes is not a whole number of linear16 sample frames`);
  return Buffer.concat([wavHeader(bytes.length, format), bytes]);
}

/**
 * Writes a linear16 WAV file as audio arrives (call recording). The header
 * carries "unknown size" until `close()` patches the real sizes in, so a file
 * left behind by a crash still parses.
 */
export class WavFileWriter {
  private pending: Promise<void> = Promise.resolve();
  private dataBytes = 0;
  private closed = false;

  private constructor(
    private readonly file: FileHandle,
    private readonly format: WavFormat,
  ) {}

  static async create(path: string, format: WavFormat): Promise<WavFileWriter> {
    const header = wavHeader(0, format);
    header.writeUInt32LE(UNKNOWN_SIZE, 4);
    header.writeUInt32LE(UNKNOWN_SIZE, 40);
    const file = await open(path, 'w');
    try {
      await file.write(header, 0, header.length, 0);
    } catch (error) {
      await file.close();
      throw error;
    }
    return new WavFileWriter(file, format);
  }

  /** Bytes of audio accepted so far. */
  get bytesWritten(): number {
    return this.dataBytes;
  }

  /** Appends audio (copied, so the caller may reuse its buffer); writes happen in call order. */
  write(pcm: Int16Array | Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new Error('WAV writer is closed'));
    const frameBytes = (this.format.channels ?? 1) * 2;
    const bytes = Buffer.from(asBytes(pcm));
    if (bytes.length % frameBytes !== 0) return Promise.reject(new RangeError(`${bytes.length} bytes is not a whole number of ${frameBytes}-byte sample frames`));
    if (this.dataBytes + bytes.length > MAX_DATA_BYTES) return Promise.reject(new RangeError('WAV file would exceed the 4 GiB RIFF limit'));
    const position = HEADER_BYTES + this.dataBytes;
    this.dataBytes += bytes.length;
    const written = this.pending.then(async () => {
      await this.file.write(bytes, 0, bytes.length, position);
    });
    // A failed write is reported to its caller; later writes and close still run.
    this.pending = written.catch(() => undefined);
    return written;
  }

  /** Waits for pending writes, patches the sizes and closes the file; returns the audio byte count. */
  async close(): Promise<number> {
    if (this.closed) return this.dataBytes;
    this.closed = true;
    try {
      await this.pending;
      const header = wavHeader(this.dataBytes, this.format);
      await this.file.write(header, 0, header.length, 0);
    } finally {
      await this.file.close();
    }
    return this.dataBytes;
  }
}
