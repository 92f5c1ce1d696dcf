import { context, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { Logger } from './logger';
import type { VoiceAgentMetrics } from './metrics';
import { TURN_SPAN_NAME, TURN_STAGES, budgetOverruns, type TurnStageName } from './turn-budget';

/** When one stage of a turn ran, wall clock in ms since the epoch (fractions allowed). */
export interface StageTiming {
  readonly stage: TurnStageName;
  readonly startedAtMs: number;
  readonly endedAtMs: number;
  /** Of the stage's time, what its engine took (recognition, language model, synthesis). */
  readonly engineMs?: number;
}

export interface TurnTrackerOptions {
  readonly tracer: Tracer;
  readonly metrics: VoiceAgentMetrics;
  readonly logger: Logger;
  readonly callId: string;
  /** The call's trace (the context its started event carried): every turn's span is its child. */
  readonly callTrace: Context;
}

interface OpenTurn {
  readonly turnId: string;
  readonly span: Span;
  readonly startedAtMs: number;
  readonly endpointingMs: number;
  readonly stages: Map<TurnStageName, StageTiming>;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/**
 * The caller turns of one call, as their owner sees them: `begin` starts a
 * turn's span at the caller's last speech sample; each stage reports when it
 * is done (the listener here, the others over the bus, matched by the turn's
 * span id that their messages' trace context carries); once all four are in,
 * the span ends when the reply's first packet left, the stage and turn
 * latencies are recorded, and the turn is checked against the budget. A turn
 * that never got its reply out (the caller spoke again, the call ended) ends
 * unchecked.
 */
export class TurnTracker {
  private readonly open = new Map<string, OpenTurn>();

  constructor(private readonly options: TurnTrackerOptions) {}

  /** Starts a turn; returns its context, which the turn's messages must carry. */
  begin(turnId: string, speechEndedAtMs: number, details: { readonly endpointingMs: number; readonly attributes?: Attributes }): Context {
    // The caller spoke again before the last reply was heard: that turn is over.
    for (const turn of this.open.values()) this.abandon(turn, 'superseded');
    const { tracer, callId, callTrace } = this.options;
    const span = tracer.startSpan(TURN_SPAN_NAME, { startTime: speechEndedAtMs, attributes: { callId, turnId, ...details.attributes } }, callTrace);
    this.open.set(span.spanContext().spanId, { turnId, span, startedAtMs: speechEndedAtMs, endpointingMs: details.endpointingMs, stages: new Map() });
    return trace.setSpan(callTrace, span);
  }

  /** A stage of the turn whose span is `turnSpanId` is done; other spans (the greeting's, a closed turn's) are ignored. */
  stageDone(turnSpanId: string, timing: StageTiming): void {
    const turn = this.open.get(turnSpanId);
    if (!turn || turn.stages.has(timing.stage)) return;
    turn.stages.set(timing.stage, timing);
    if (turn.stages.size === TURN_STAGES.length) this.complete(turn);
  }

  /** The call is over: turns still open end unchecked. */
  close(): void {
    for (const turn of this.open.values()) this.abandon(turn, 'call ended');
  }

  private complete(turn: OpenTurn): void {
    this.open.delete(turn.span.spanContext().spanId);
    const { metrics, logger, callId } = this.options;
    // Called once every stage is in.
    const stage = (name: TurnStageName) => turn.stages.get(name) as StageTiming;
    const stageMs = Object.fromEntries(TURN_STAGES.map((name) => [name, Math.max(0, stage(name).endedAtMs - stage(name).startedAtMs)])) as Record<TurnStageName, number>;
    const endedAtMs = Math.max(turn.startedAtMs, stage('media').endedAtMs);
    const totalMs = endedAtMs - turn.startedAtMs;
    const engineMs = TURN_STAGES.reduce((sum, name) => sum + (stage(name).engineMs ?? 0), 0);

    for (const name of TURN_STAGES) metrics.stageDuration.record(stageMs[name], { stage: name });
    metrics.turnDuration.record(totalMs);
    const overruns = budgetOverruns(stageMs, totalMs, turn.endpointingMs);
    for (const overrun of overruns) metrics.budgetViolations.add(1, { stage: overrun.stage });

    const summary = {
      callId,
      turnId: turn.turnId,
      totalMs: round(totalMs),
      ...Object.fromEntries(TURN_STAGES.map((name) => [`${name}Ms`, round(stageMs[name])])),
      endpointingMs: round(turn.endpointingMs),
      ...Object.fromEntries(TURN_STAGES.map((name) => [`${name}EngineMs`, round(stage(name).engineMs ?? 0)])),
      // What the pipeline itself added: not the engines, not the wait for the caller to be done.
      overheadMs: round(totalMs - engineMs - turn.endpointingMs),
    };
    turn.span.setAttributes({ ...summary, overBudget: overruns.map((o) => o.stage) });
    // Inside the turn's span, so the lines carry its trace id.
    context.with(trace.setSpan(context.active(), turn.span), () => {
      logger.info(summary, 'turn latency');
      for (const { stage: overran, ms, budgetMs } of overruns) {
        logger.warn({ callId, turnId: turn.turnId, stage: overran, ms: round(ms), budgetMs, totalMs: round(totalMs) }, `turn over budget: ${overran} took ${Math.round(ms)} ms of ${budgetMs} ms`);
      }
    });
    turn.span.end(endedAtMs);
  }

  private abandon(turn: OpenTurn, outcome: string): void {
    this.open.delete(turn.span.spanContext().spanId);
    turn.span.setAttributes({ outcome, stagesDone: [...turn.stages.keys()] });
    turn.span.end(Math.max(turn.startedAtMs, Date.now()));
  }
}
