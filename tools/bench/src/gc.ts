import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

export interface GcPauses {
  readonly count: number;
  readonly totalMs: number;
  readonly maxMs: number;
}

/**
 * Watches this process's garbage-collection pauses until the returned
 * function is called: they explain most latency tails in a Node benchmark.
 */
export function watchGc(): () => GcPauses {
  const durations: number[] = [];
  const add = (entries: readonly PerformanceEntry[]) => entries.forEach((e) => durations.push(e.duration));
  const observer = new PerformanceObserver((list) => add(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  return () => {
    add(observer.takeRecords());
    observer.disconnect();
    return { count: durations.length, totalMs: durations.reduce((a, b) => a + b, 0), maxMs: Math.max(0, ...durations) };
  };
}
