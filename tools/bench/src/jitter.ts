import { hrtime } from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * How late a 1 ms timer fires in this otherwise idle process, in ms per
 * wake-up. On a shared or small machine this scheduling noise, not the code
 * under test, sets the floor of every latency tail measured here.
 */
export async function timerLateness(durationMs: number): Promise<Float64Array> {
  const samples: number[] = [];
  const end = hrtime.bigint() + BigInt(durationMs) * 1_000_000n;
  let last = hrtime.bigint();
  while (last < end) {
    await sleep(1);
    const now = hrtime.bigint();
    samples.push(Math.max(0, Number(now - last) / 1e6 - 1));
    last = now;
  }
  return Float64Array.from(samples);
}
