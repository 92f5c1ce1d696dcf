/**
 * Real-time factor of the local engine (processing time / audio time), one
 * stream and N interleaved streams on this one thread. Prints numbers; it
 * asserts nothing (benchmarks live in tools/bench).
 *   npx tsx libs/stt/test/measure-rtf.ts [N ...]
 */
import { collect, concat, localEngine, silence, speak } from './speech';

const engine = await localEngine();
const phrases = ['what time do you open on saturday', 'i would like to book a haircut for tomorrow at three p m', 'can i speak to a person please'];
const clip = concat(...phrases.flatMap((p) => [speak(p).samples, silence(700)]));
// About 30 s of call audio: speech with turn-ending pauses, and some longer silences.
const call = concat(clip, silence(2000), clip, silence(3000), clip, silence(2000));
const audioSeconds = call.length / 8000;
const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);

for (const n of counts.length > 0 ? counts : [1, 10, 25, 50]) {
  const streams = Array.from({ length: n }, () => engine.stream({ sampleRateHz: 8000 }));
  // Calls are not in step: each starts at its own place in the audio (rotated), so their chunks and turns interleave.
  const audio = streams.map((_, i) => {
    const shift = ((i * 7919) % (call.length / 160)) * 160;
    return concat(call.subarray(shift), call.subarray(0, shift));
  });
  const done = streams.map((s) => collect(s));
  let worstRoundMs = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  for (let at = 0; at < call.length; at += 160) {
    const round = performance.now();
    streams.forEach((stream, i) => stream.pushFrame(audio[i]!.subarray(at, at + 160)));
    worstRoundMs = Math.max(worstRoundMs, performance.now() - round);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  // CPU time is what the engine costs; wall time also counts other processes on a shared machine.
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  await Promise.all(streams.map((s) => s.close()));
  const finals = (await Promise.all(done)).flat().filter((e) => e.type === 'final').length;
  console.log(
    `${String(n).padStart(3)} stream(s) x ${audioSeconds.toFixed(1)} s: wall ${seconds.toFixed(2)} s, cpu ${cpuSeconds.toFixed(2)} s → ` +
      `RTF per stream ${(seconds / (audioSeconds * n)).toFixed(4)} wall / ${(cpuSeconds / (audioSeconds * n)).toFixed(4)} cpu; ` +
      `all ${n} together ${(seconds / audioSeconds).toFixed(3)} of real time; worst 20 ms round ${worstRoundMs.toFixed(1)} ms; ${finals} finals`,
  );
}
