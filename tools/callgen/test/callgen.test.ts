import { spawn } from 'node:child_process';
import { resolve as resolvePath } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rmsDbfs } from '@voiceagent/audio';
import { SpeechOnsetDetector, percentile, phoneBand, speak, speechEnd, summarize, type CallReport } from '../src';

const tone = (hz: number, ms: number, amplitude = 8000) =>
  Int16Array.from({ length: (8000 * ms) / 1000 }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / 8000)));
const silence = (ms: number) => new Int16Array((8000 * ms) / 1000);
const concat = (...parts: Int16Array[]) => {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

describe('speech onset detection', () => {
  it('reports the start of the first run of loud frames, ignoring a single click', () => {
    const detector = new SpeechOnsetDetector({ minFrames: 2 });
    const frames = [silence(20), tone(1000, 20), silence(20), tone(440, 20), tone(440, 20), tone(440, 20)];
    const onsets = frames.map((f, i) => detector.push(f, i * 20));
    expect(onsets).toEqual([undefined, undefined, undefined, undefined, 60, undefined]);
  });

  it('takes speech as new only after a quiet gap, so an echo tail or a breath is not a new onset', () => {
    const detector = new SpeechOnsetDetector({ minFrames: 2, minGapMs: 150 });
    const frames = [tone(440, 20), tone(440, 20), silence(20), tone(440, 20), tone(440, 20), ...Array.from({ length: 10 }, () => silence(20)), tone(440, 20), tone(440, 20)];
    const onsets = frames.map((f, i) => detector.push(f, i * 20)).filter((o) => o !== undefined);
    expect(onsets).toEqual([0, 300]);
  });

  it('finds where speech ends, to the frame', () => {
    const audio = concat(silence(100), tone(300, 500), silence(400));
    expect(speechEnd(audio, 8000)).toBe((600 * 8000) / 1000);
    expect(speechEnd(silence(500), 8000)).toBe(0);
  });
});

describe('phone band', () => {
  it('removes low rumble and keeps speech frequencies', () => {
    expect(rmsDbfs(phoneBand(tone(60, 500)).subarray(800))).toBeLessThan(rmsDbfs(tone(60, 500)) - 20);
    expect(rmsDbfs(phoneBand(tone(1000, 500)).subarray(800))).toBeGreaterThan(rmsDbfs(tone(1000, 500)) - 1);
  });

  it('speaks text with flite at 8 kHz, as long as the words take', async () => {
    const utterance = await speak('What time do you open on Saturday?');
    const seconds = utterance.samples.length / 8000;
    expect(seconds).toBeGreaterThan(1.2);
    expect(seconds).toBeLessThan(4);
    expect(rmsDbfs(utterance.samples)).toBeGreaterThan(-35);
  });
});

describe('load summary', () => {
  const report = (latencies: Array<number | null>, lost = 0, answered = true): CallReport => ({
    answered,
    setupMs: 5,
    greetingMs: 0,
    turns: latencies.map((latencyMs) => ({ said: 'x', latencyMs, replyMs: 100, replyAtMs: latencyMs === null ? null : 1000 })),
    transfers: [],
    endedBy: answered ? 'caller' : 'failed',
    durationMs: 1000,
    rtp: { packetsReceived: 100, lost, late: 0, concealed: 0, framesHeard: 100 },
  });

  it('aggregates answered, failed, latency percentiles and lost frames', () => {
    const s = summarize([report([500, 700]), report([600, null], 2), report([], 0, false)]);
    expect(s).toMatchObject({ calls: 3, answered: 2, failed: 1, latencyP50Ms: 600, latencyP95Ms: 700, turnsWithoutReply: 1, lostFrames: 2, framesHeard: 300 });
    expect(s.lostRatio).toBeCloseTo(2 / 302);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('command line', () => {
  const run = (args: string[]) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'tools/callgen/src/main.ts', ...args], { cwd: resolvePath(import.meta.dirname, '../../..') });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      child.on('exit', (code) => resolve({ code, out }));
    });

  it('prints usage, and refuses a bad count naming the option', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/--say TEXT/);
    const bad = await run(['--to', 'sip:agent@127.0.0.1:9', '--calls', 'lots']);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/--calls must be a positive whole number \(got "lots"\)/);
  }, 30_000);
});
