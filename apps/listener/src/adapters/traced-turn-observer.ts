import { context, trace, type Tracer } from '@opentelemetry/api';
import { STAGE_SPAN_NAMES, type Logger, type TurnTracker } from '@voiceagent/telemetry';
import type { OverlapReport, TurnObserver, TurnTiming } from '../ports/turn-observer';

export interface TracedTurnObserverOptions {
  readonly tracer: Tracer;
  readonly logger: Logger;
  readonly callId: string;
  /** STT_ENGINE of the engine listening. */
  readonly engine: string;
  /** The call's turns: their spans, and their check against the latency budget. */
  readonly turns: TurnTracker;
}

const round = (n: number) => Math.round(n * 10) / 10;

/** Spans and logs of one call's turns: each turn's span, with the listener's stage as its first child. */
export class TracedTurnObserver implements TurnObserver {
  constructor(private readonly options: TracedTurnObserverOptions) {}

  userTurn(timing: TurnTiming, publish: () => void): void {
    const { tracer, logger, callId, engine, turns } = this.options;
    const { turnId, chars, speechEndedAtMs, endpointingMs, asrLagMs, totalMs, interruptedAgent } = timing;
    // Both start when the caller stopped talking (never after now: capture clocks on other hosts may run a
    // little ahead of ours); the stage span is the listener's share of the turn's latency budget.
    const startedAtMs = Math.min(speechEndedAtMs, Date.now());
    const turn = turns.begin(turnId, startedAtMs, { endpointingMs, attributes: { interruptedAgent } });
    const span = tracer.startSpan(
      STAGE_SPAN_NAMES.listener,
      { startTime: startedAtMs, attributes: { callId, turnId, stage: 'listener', chars, engine, interruptedAgent, endpointingMs: Math.round(endpointingMs) } },
      turn,
    );
    try {
      // Published inside the turn, not this stage: the other stages' spans are the turn's children too.
      context.with(turn, publish);
    } finally {
      const endedAtMs = Math.max(startedAtMs, Date.now());
      span.end(endedAtMs);
      const turnSpan = trace.getSpanContext(turn);
      if (turnSpan) turns.stageDone(turnSpan.spanId, { stage: 'listener', startedAtMs, endedAtMs, engineMs: asrLagMs });
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
