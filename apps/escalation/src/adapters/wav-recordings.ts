import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** Voicemail recordings as WAV files (linear16 mono) under one directory, named by voicemail id. */
export class WavRecordings {
  constructor(private readonly dir: string) {}

  pathFor(id: string): string {
    return resolve(join(this.dir, `${id}.wav`));
  }

  async write(path: string, pcm: Uint8Array, sampleRateHz: number): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    // 'wx': ids are fresh uuids, so an existing file means a bug, not something to overwrite.
    await writeFile(path, Buffer.concat([wavHeader(pcm.length, sampleRateHz), pcm]), { flag: 'wx' });
  }

  async remove(path: string): Promise<void> {
    await rm(path, { force: true });
  }
}

/** The 44-byte RIFF header of a PCM WAV file. */
export function wavHeader(dataBytes: number, sampleRateHz: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRateHz, 24);
  header.writeUInt32LE(sampleRateHz * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}
