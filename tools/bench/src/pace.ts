import { hrtime } from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Offers `rate` items per second for `durationMs`, calling `send(n)` with the
 * items now due, about every millisecond. What is due comes from elapsed
 * monotonic time, so a late timer makes one batch bigger instead of slowing
 * the rate (setInterval would drift). Returns how many items were offered.
 */
export async function pace(rate: number, durationMs: number, send: (count: number) => void): Promise<number> {
  const total = Math.round((rate * durationMs) / 1000);
  const start = hrtime.bigint();
  let sent = 0;
  while (sent < total) {
    const elapsedS = Number(hrtime.bigint() - start) / 1e9;
    // Item k is due at k / rate, so item 0 goes at once.
    const due = Math.min(total, Math.floor(elapsedS * rate) + 1);
    if (due > sent) {
      send(due - sent);
      sent = due;
    }
    if (sent < total) await sleep(1);
  }
  return sent;
}
