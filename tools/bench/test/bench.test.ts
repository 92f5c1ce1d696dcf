import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { busReport, measureBus, type BusParams } from '../src/bus';
import { formatResult } from '../src/format';
import { pace } from '../src/pace';
import { benchmarks } from '../src/registry';
import { summarize } from '../src/stats';
import { lowPass } from '../src/stt';
import { addEdits, errorRate, normalizeWords, wordEdits } from '../src/wer';

// Structure only: benchmarks report numbers, tests never judge them.
const tiny: BusParams = {
  transports: ['in-process', 'nats'],
  calls: 10,
  warmupFrames: 500,
  throughputFrames: 2_000,
  offeredFps: 2_000,
  latencySeconds: 0.5,
  idleTimerMs: 100,
};

describe('bus benchmark', () => {
  it('delivers every frame on both transports and reports ordered, positive latencies', async () => {
    const m = await measureBus(tiny);
    expect(m.results.map((r) => r.transport)).toEqual(['in-process', 'nats']);
    expect(m.frameBytes).toBeGreaterThan(320);
    expect(m.codecFramesPerSec).toBeGreaterThan(0);
    for (const { transport, throughput, latency } of m.results) {
      expect({ transport, sent: throughput.sent, delivered: throughput.delivered }).toEqual({ transport, sent: 2_000, delivered: 2_000 });
      expect(throughput.seconds).toBeGreaterThan(0);
      expect(Number.isFinite(throughput.framesPerSec)).toBe(true);
      expect(latency.offered).toBe(1_000);
      expect(latency.delivered).toBe(latency.offered);
      expect(latency.ms.samples).toBe(latency.offered);
      const { p50, p90, p99, max, mean } = latency.ms;
      expect(p50).toBeGreaterThan(0);
      expect(p50).toBeLessThanOrEqual(p90);
      expect(p90).toBeLessThanOrEqual(p99);
      expect(p99).toBeLessThanOrEqual(max);
      expect(mean).toBeLessThanOrEqual(max);
      expect(latency.gc.count).toBeGreaterThanOrEqual(0);
    }

    const report = busReport(m);
    const [table] = report.tables;
    expect(m.idleTimerLatenessMs.samples).toBeGreaterThan(0);
    expect(m.idleTimerLatenessMs.p50).toBeLessThanOrEqual(m.idleTimerLatenessMs.max);
    expect(table!.rows.map((r) => r[0])).toEqual(['in-process', 'nats', 'codec only', 'idle timer']);
    for (const row of table!.rows) expect(row).toHaveLength(table!.columns.length);
    expect(report.targets).toHaveLength(2);
    const printed = formatResult(report);
    expect(printed).toMatch(/p99 ms/);
    expect(printed).toMatch(/(PASS|MISS)/);
  });
});

describe('benchmark helpers', () => {
  it('summarizes with nearest-rank percentiles', () => {
    const s = summarize(Float64Array.from({ length: 100 }, (_, i) => 100 - i));
    expect(s).toEqual({ samples: 100, p50: 50, p90: 90, p95: 95, p99: 99, max: 100, mean: 50.5 });
    expect(summarize(new Float64Array()).p99).toBeNaN();
  });

  it('counts word errors by kind after normalizing case and punctuation', () => {
    expect(normalizeWords("I'M open, Mon-Fri!")).toEqual(['im', 'open', 'mon', 'fri']);
    expect(wordEdits('what time do you open', 'WHAT TIME DO YOU OPEN')).toEqual({ substitutions: 0, deletions: 0, insertions: 0, words: 5 });
    expect(wordEdits('are you open on sunday', 'our view open sunday')).toEqual({ substitutions: 2, deletions: 1, insertions: 0, words: 5 });
    expect(wordEdits('book a table', 'book a big table please')).toEqual({ substitutions: 0, deletions: 0, insertions: 2, words: 3 });
    expect(errorRate(wordEdits('hello', ''))).toBe(1);
    // Corpus WER weighs utterances by their words, not one vote each.
    const corpus = addEdits([wordEdits('one two three four', 'one two three four'), wordEdits('five', 'six')]);
    expect(errorRate(corpus)).toBeCloseTo(1 / 5);
    expect(errorRate(wordEdits('', ''))).toBeNaN();
  });

  it('low-passes the phone band: 1 kHz passes, 3.9 kHz is cut', () => {
    const tone = (hz: number) => Int16Array.from({ length: 8000 }, (_, i) => Math.round(10_000 * Math.sin((2 * Math.PI * hz * i) / 8000)));
    const peak = (x: Int16Array) => Math.max(...x.subarray(800).map(Math.abs));
    expect(peak(lowPass(tone(1000)))).toBeGreaterThan(9_000);
    expect(peak(lowPass(tone(3900)))).toBeLessThan(2_000);
  });

  it('paces exactly rate × duration items, in batches', async () => {
    const batches: number[] = [];
    const offered = await pace(2_000, 100, (n) => batches.push(n));
    expect(offered).toBe(200);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(200);
    expect(batches.length).toBeGreaterThan(1);
  });
});

describe('runner', () => {
  const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  const run = (...args: string[]) => promisify(execFile)(process.execPath, ['--import', 'tsx', main, ...args]);

  it('lists every registered benchmark in --help', async () => {
    const { stdout } = await run('--help');
    for (const b of benchmarks) expect(stdout).toContain(b.name);
  });

  it('refuses bad e2e settings with a clear error before starting anything', async () => {
    await expect(run('e2e', '--concurrency', '10,lots')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('--concurrency takes whole numbers separated by commas (got "10,lots")') });
    await expect(run('e2e', '--calls', '0')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('--calls takes a whole number of calls, at least 1') });
  });

  it('rejects an unknown benchmark with exit code 2', async () => {
    await expect(run('no-such-bench')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('unknown benchmark: no-such-bench') });
  });
});
