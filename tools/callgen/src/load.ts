import type { SipUserAgent } from '@voiceagent/sip';
import { placeCall, type CallReport, type CallScript } from './caller';
import { percentile } from './stats';

export interface LoadOptions {
  readonly calls: number;
  readonly concurrency: number;
  /** Spread call starts so they do not all tick on the same 20 ms boundary. */
  readonly rampMs?: number;
}

export interface LoadSummary {
  readonly calls: number;
  readonly answered: number;
  readonly failed: number;
  readonly latencyP50Ms: number;
  readonly latencyP95Ms: number;
  readonly turnsWithoutReply: number;
  /** Frames that never arrived or came too late to play, over frames expected. */
  readonly lostFrames: number;
  readonly concealedFrames: number;
  readonly framesHeard: number;
  readonly lostRatio: number;
  readonly reports: readonly CallReport[];
}

/** Runs `calls` calls of the same script, at most `concurrency` at a time. */
export async function runLoad(ua: SipUserAgent, script: CallScript, options: LoadOptions): Promise<LoadSummary> {
  const reports: CallReport[] = [];
  let next = 0;
  const { rampMs = 0 } = options;
  const worker = async (index: number) => {
    if (rampMs > 0) await new Promise((resolve) => setTimeout(resolve, (rampMs * index) / options.concurrency));
    while (next < options.calls) {
      next++;
      reports.push(await placeCall(ua, script));
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.calls) }, (_, i) => worker(i)));
  return summarize(reports);
}

export function summarize(reports: readonly CallReport[]): LoadSummary {
  const latencies = reports.flatMap((r) => r.turns.map((t) => t.latencyMs)).filter((l): l is number => l !== null);
  const lostFrames = reports.reduce((n, r) => n + r.rtp.lost + r.rtp.late, 0);
  const framesHeard = reports.reduce((n, r) => n + r.rtp.framesHeard, 0);
  return {
    calls: reports.length,
    answered: reports.filter((r) => r.answered).length,
    failed: reports.filter((r) => !r.answered || r.error !== undefined).length,
    latencyP50Ms: percentile(latencies, 50),
    latencyP95Ms: percentile(latencies, 95),
    turnsWithoutReply: reports.reduce((n, r) => n + r.turns.filter((t) => t.latencyMs === null).length, 0),
    lostFrames,
    concealedFrames: reports.reduce((n, r) => n + r.rtp.concealed, 0),
    framesHeard,
    lostRatio: framesHeard === 0 ? 0 : lostFrames / (framesHeard + lostFrames),
    reports,
  };
}
