import { SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { Logger } from '@voiceagent/telemetry';
import type { ReplyObservation, ReplySummary, SpeechObserver } from '../ports/speech-observer';

export interface TracedSpeechObserverOptions {
  readonly tracer: Tracer;
  readonly logger: Logger;
  readonly callId: string;
  /** TTS_ENGINE of the engine speaking. */
  readonly engine: string;
}

/** Spans and logs of one call's speech. */
export class TracedSpeechObserver implements SpeechObserver {
  constructor(private readonly options: TracedSpeechObserverOptions) {}

  replyStarted({ turnId, chars }: { turnId: string; chars: number }): ReplyObservation {
    const { tracer, logger, callId, engine } = this.options;
    // No explicit parent: this runs in the sentence's handler, whose active context the brain's message carried.
    const span = tracer.startSpan('speaker.first_audio', { attributes: { callId, turnId, engine, chars } });
    let open = true;
    return {
      firstAudio() {
        span.end();
        open = false;
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
