import { context, trace, type Context } from '@opentelemetry/api';
import { publishTo, subscribeTo, type BusSubscription, type MessageBus } from '@voiceagent/bus';
import { TurnStage, topics, type TurnStageDone } from '@voiceagent/contracts';
import { extractTraceContext, injectTraceContext } from './bus-propagation';
import type { TurnStageName } from './turn-budget';
import type { StageTiming } from './turn-tracker';

const stageOnTheWire: Record<TurnStageName, TurnStage> = {
  listener: TurnStage.TURN_STAGE_LISTENER,
  brain: TurnStage.TURN_STAGE_BRAIN,
  speaker: TurnStage.TURN_STAGE_SPEAKER,
  media: TurnStage.TURN_STAGE_MEDIA,
};
const stageNames = new Map<TurnStage, TurnStageName>(Object.entries(stageOnTheWire).map(([name, wire]) => [wire, name as TurnStageName]));

/** The wall clock in ms since the epoch, with the sub-millisecond precision spans use. */
export const epochMs = (): number => performance.timeOrigin + performance.now();

const us = (ms: number) => Math.max(0, Math.round(ms * 1000));

/**
 * Tells the owner of a caller turn (the listener) that a stage of it is done.
 * `turn` is the turn's context, as the message that started the stage carried
 * it; the report carries it back so the owner knows which turn it is.
 */
export function reportTurnStage(bus: MessageBus, callId: string, turn: Context, timing: StageTiming): void {
  const done: TurnStageDone = {
    callId,
    stage: stageOnTheWire[timing.stage],
    startedAtUs: us(timing.startedAtMs),
    endedAtUs: us(timing.endedAtMs),
    engineUs: us(timing.engineMs ?? 0),
  };
  // Inside the turn's context too, so a bus wrapped by withTracePropagation injects the same one.
  context.with(turn, () => publishTo(bus, topics.call(callId, 'turnStage'), done, injectTraceContext(undefined, turn)));
}

/** Follows one call's stage reports; `onStage` gets the span id of the turn each one is about. */
export function followTurnStages(bus: MessageBus, callId: string, onStage: (turnSpanId: string, timing: StageTiming) => void): BusSubscription {
  return subscribeTo(bus, topics.call(callId, 'turnStage'), (done, message) => {
    const stage = stageNames.get(done.stage);
    const turn = trace.getSpanContext(extractTraceContext(message));
    if (!stage || !turn) return;
    onStage(turn.spanId, { stage, startedAtMs: done.startedAtUs / 1000, endedAtMs: done.endedAtUs / 1000, engineMs: done.engineUs / 1000 });
  });
}
