import { context, trace, type Tracer } from '@opentelemetry/api';
import type { Logger } from '@voiceagent/telemetry';
import type { OverlapReport, TurnObserver, TurnTiming } from '../ports/turn-observer';

export interface TracedTurnObserverOptions {
  readonly tracer: Tracer;
  readonly logger: Logger;
  readonly callId: string;
  /** STT_ENGINE of the engine listening. */
  readonly engine: string;
}

const round = (n: number) => Math.round(n * 10) / 10;

/** Spans and logs of one call's turns. */
export class TracedTurnObserver implements TurnObserver {
  constructor(private readonly options: TracedTurnObserverOptions) {}

  userTurn(timing: TurnTiming, publish: () => void): void {
    const { tracer, logger, callId, engine } = this.options;
    const { turnId, chars, speechEndedAtMs, endpointingMs, asrLagMs, totalMs, interruptedAgent } = timing;
    // Starts when the caller stopped talking: the span is the listener's share of the turn's latency budget.
    const span = tracer.startSpan('listener.final_transcript', {
      // Never after now: capture clocks on other hosts may run a little ahead of ours.
      startTime: Math.min(speechEndedAtMs, Date.now()),
      attributes: { callId, turnId, chars, engine, interruptedAgent, endpointingMs: Math.round(endpointingMs) },
    });
    try {
      context.with(trace.setSpan(context.active(), span), publish);
    } finally {
      span.end();
    }
    logger.info(
      { callId, turnId, chars, engine, interruptedAgent, endpointingMs: Math.round(endpointingMs), asrLagMs: round(asrLagMs), totalMs: round(totalMs) },
      'user turn',
    );
  }

  bargeIn(report: OverlapReport & { late: boolean }): void {
    this.options.logger.info({ callId: this.options.callId, ...this.levels(report), late: report.late }, 'barge-in');
  }

  ignored(report: OverlapReport): void {
    const level = report.verdict === 'no-words' ? 'debug' : 'info';
    this.options.logger[level]({ callId: this.options.callId, ...this.levels(report) }, 'speech over the agent ignored');
  }

  problem(message: string, error?: unknown): void {
    this.options.logger.warn({ callId: this.options.callId, ...(error === undefined ? {} : { err: error }) }, message);
  }

  private levels({ verdict, text, speechMs, callerPeakDbfs, agentPeakDbfs }: OverlapReport) {
    return { verdict, text, speechMs: Math.round(speechMs), callerPeakDbfs: round(callerPeakDbfs), agentPeakDbfs: round(agentPeakDbfs) };
  }
}
