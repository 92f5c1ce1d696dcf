import { readFile } from 'node:fs/promises';
import { parseWav, wavSamples } from '@voiceagent/audio';
import type { LocalSpeechToText } from '@voiceagent/stt';

/** What was said between two points of an 8 kHz recording, as the local recogniser hears it (lower case). */
export async function transcribeWav(stt: LocalSpeechToText, path: string, fromMs = 0, toMs = Infinity): Promise<string> {
  const samples = wavSamples(parseWav(await readFile(path)));
  const clip = samples.subarray(Math.max(0, Math.floor((fromMs * 8000) / 1000)), Math.min(samples.length, Math.floor((toMs * 8000) / 1000)));
  const stream = stt.stream({ sampleRateHz: 8000 });
  const text: string[] = [];
  const reading = (async () => {
    for await (const event of stream) if (event.type === 'final') text.push(event.text);
  })();
  for (let at = 0; at < clip.length; at += 160) stream.pushFrame(clip.subarray(at, at + 160));
  stream.pushFrame(new Int16Array(8000 * 2));
  stream.finalize();
  await stream.close();
  await reading;
  return text.join(' ').toLowerCase();
}
