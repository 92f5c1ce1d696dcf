import { SpanStatusCode, context, type Tracer } from '@opentelemetry/api';
import type { MessageBus } from '@voiceagent/bus';
import { STAGE_SPAN_NAMES, epochMs, reportTurnStage, type Logger } from '@voiceagent/telemetry';
import type { ReplyObservation, ReplySummary, SpeechObserver } from '../ports/speech-observer';

export interface TracedSpeechObserverOptions {
  readonly tracer: Tracer;
  readonly logger: Logger;
  readonly callId: string;
  /** TTS_ENGINE of the engine speaking. */
  readonly engine: string;
  /** Where the speaker's share of each turn is reported to the turn's owner. */
  readonly bus: MessageBus;
}

/** Spans and logs of one call's speech. */
export class TracedSpeechObserver implements SpeechObserver {
  constructor(private readonly options: TracedSpeechObserverOptions) {}

  replyStarted({ turnId, chars }: { turnId: string; chars: number }): ReplyObservation {
    const { tracer, logger, callId, engine, bus } = this.options;
    // This runs in the sentence's handler: the active context is the one the brain's message carried (the turn's).
    const turn = context.active();
    const startedAtMs = epochMs();
    const span = tracer.startSpan(STAGE_SPAN_NAMES.speaker, { startTime: startedAtMs, attributes: { callId, turnId, stage: 'speaker', engine, chars } }, turn);
    let open = true;
    return {
      firstAudio(elapsedMs, publish) {
        const endedAtMs = epochMs();
        context.with(turn, publish);
        span.setAttribute('engineMs', Math.round(elapsedMs * 10) / 10);
        span.end(endedAtMs);
        open = false;
        reportTurnStage(bus, callId, turn, { stage: 'speaker', startedAtMs, endedAtMs, engineMs: elapsedMs });
      },
      end(summary: ReplySummary) {
        if (open) {
          // Ended without audio: the span still says why.
          span.setAttribute('outcome', summary.outcome);
          if (summary.outcome === 'failed') span.setStatus({ code: SpanStatusCode.ERROR, message: 'synthesis failed' });
          span.end();
          open = false;
        }
        const firstAudioMs = summary.firstAudioMs === undefined ? undefined : Math.round(summary.firstAudioMs * 10) / 10;
        logger.info({ callId, engine, ...summary, firstAudioMs, cancelled: summary.outcome !== 'spoken' }, 'reply finished');
      },
    };
  }

  bargeIn({ droppedSentences, interruptedReplies }: { droppedSentences: number; interruptedReplies: number }): void {
    const { logger, callId } = this.options;
    if (droppedSentences || interruptedReplies) logger.info({ callId, droppedSentences, interruptedReplies }, 'barge-in: speech cancelled');
    else logger.debug({ callId }, 'caller speech: nothing to interrupt');
  }

  sentenceDropped(detail: { turnId: string; sentenceIndex: number; reason: string }): void {
    this.options.logger.info({ callId: this.options.callId, ...detail }, 'agent sentence dropped');
  }

  problem(error: unknown, what: string): void {
    this.options.logger.error({ err: error, callId: this.options.callId }, what);
  }
}
