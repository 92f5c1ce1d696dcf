import { ROOT_CONTEXT, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { BusMessage, MessageBus } from '@voiceagent/bus';
import { EndReason, endReasonToJSON } from '@voiceagent/contracts';
import { STAGE_SPAN_NAMES, epochMs, extractTraceContext, reportTurnStage, type VoiceAgentMetrics } from '@voiceagent/telemetry';

export interface CallTelemetryOptions {
  readonly bus: MessageBus;
  readonly callId: string;
  /** `sip`, ...: the active-calls attribute. */
  readonly channel: string;
  readonly tracer: Tracer;
  readonly metrics: VoiceAgentMetrics;
}

/** Trace contexts of replies already started, per call: a phrase's frames may all carry theirs. */
const REMEMBERED_REPLIES = 8;

/**
 * One call's telemetry at the edge: the `call` span that is the root of the
 * call's trace (its lifecycle events carry it to every stage), the active
 * calls count, and media's share of each caller turn: from the first frame of
 * a reply (a frame whose trace context is new to the call) to its packet
 * leaving for the caller, as a span and as a report to the turn's owner.
 */
export class CallTelemetry {
  /** The call's trace: lifecycle events are published inside it. */
  readonly trace: Context;
  private readonly span: Span;
  private readonly replies: string[] = [];
  private ended = false;

  constructor(private readonly options: CallTelemetryOptions) {
    const { tracer, metrics, callId, channel } = options;
    this.span = tracer.startSpan('call', { attributes: { callId, channel } }, ROOT_CONTEXT);
    this.trace = trace.setSpan(ROOT_CONTEXT, this.span);
    metrics.activeCalls.add(1, { channel });
  }

  /**
   * For an agent audio frame just received: when it starts a reply, the
   * callback to hand the call leg, which calls it once the frame's packet is
   * sent (or will not be); undefined for every other frame.
   */
  replyFrame(message: BusMessage): ((sent: boolean) => void) | undefined {
    // Per frame only the raw header is compared; the context is parsed once per reply.
    const traceparent = message.headers['traceparent'];
    if (traceparent === undefined || this.replies.includes(traceparent)) return undefined;
    const reply = extractTraceContext(message);
    if (trace.getSpanContext(reply) === undefined) return undefined;
    this.replies.push(traceparent);
    if (this.replies.length > REMEMBERED_REPLIES) this.replies.shift();
    const { tracer, bus, callId } = this.options;
    const startedAtMs = epochMs();
    const span = tracer.startSpan(STAGE_SPAN_NAMES.media, { startTime: startedAtMs, attributes: { callId, stage: 'media' } }, reply);
    return (sent) => {
      const endedAtMs = epochMs();
      if (!sent) span.setAttribute('outcome', 'not sent');
      span.end(endedAtMs);
      if (sent) reportTurnStage(bus, callId, reply, { stage: 'media', startedAtMs, endedAtMs });
    };
  }

  /** The call is over: ends its span and its count. */
  end(summary: { readonly reason: EndReason; readonly detail: string; readonly route?: string }): void {
    if (this.ended) return;
    this.ended = true;
    this.span.setAttributes({ endReason: endReasonToJSON(summary.reason), detail: summary.detail, ...(summary.route ? { route: summary.route } : {}) });
    if (summary.reason === EndReason.END_REASON_ERROR) this.span.setStatus({ code: SpanStatusCode.ERROR, message: summary.detail });
    this.span.end();
    this.options.metrics.activeCalls.add(-1, { channel: this.options.channel });
  }
}
