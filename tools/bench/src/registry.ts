import type { Benchmark } from './benchmark';
import { busBenchmark } from './bus';
import { e2eBenchmark } from './e2e';
import { mediaBenchmark } from './media';
import { sttBenchmark } from './stt';
import { ttsBenchmark } from './tts';

/** Every benchmark `npm run bench` knows, in the order it runs them. Add one module, add it here. */
export const benchmarks: readonly Benchmark[] = [busBenchmark, mediaBenchmark, sttBenchmark, ttsBenchmark, e2eBenchmark];

export function findBenchmark(name: string): Benchmark | undefined {
  return benchmarks.find((b) => b.name === name);
}
