import { context, propagation, trace, type Context } from '@opentelemetry/api';
import type { BusHeaders, BusMessage, MessageBus, MessageHandler, PublishOptions, RequestOptions } from '@voiceagent/bus';

const headerSetter = {
  set(carrier: Record<string, string>, key: string, value: string) {
    carrier[key] = value;
  },
};

const headerGetter = {
  get: (carrier: BusHeaders, key: string) => carrier[key],
  keys: (carrier: BusHeaders) => Object.keys(carrier),
};

/** Adds the active trace context (W3C traceparent/tracestate) to outgoing headers. */
export function injectTraceContext(headers: BusHeaders | undefined, ctx: Context = context.active()): BusHeaders | undefined {
  // Hot path (audio frames): nothing to add when no span is active.
  if (!trace.getSpan(ctx)) return headers;
  const carrier: Record<string, string> = { ...headers };
  propagation.inject(ctx, carrier, headerSetter);
  return carrier;
}

/** The context carried by a message's headers (or the active one if none). */
export function extractTraceContext(message: BusMessage): Context {
  const headers = message.headers;
  if (headers['traceparent'] === undefined) return context.active();
  return propagation.extract(context.active(), headers, headerGetter);
}

/**
 * Wraps a bus so that one call is one trace across services: publishes carry
 * the active span's context, and handlers run inside the context their
 * message carried, so a span a handler starts is a child of the sender's span.
 * No span is created per message (audio frames are 50 per second per call).
 */
export function withTracePropagation(bus: MessageBus): MessageBus {
  const wrap =
    (handler: MessageHandler): MessageHandler =>
    (message) =>
      message.headers['traceparent'] === undefined ? handler(message) : context.with(extractTraceContext(message), () => handler(message));
  return {
    kind: bus.kind,
    publish: (subject, data, options?: PublishOptions) => {
      const headers = injectTraceContext(options?.headers);
      bus.publish(subject, data, headers ? { headers } : undefined);
    },
    subscribe: (subject, handler, options) => bus.subscribe(subject, wrap(handler), options),
    request: (subject, data, options: RequestOptions = {}) => {
      const headers = injectTraceContext(options.headers);
      return bus.request(subject, data, headers ? { ...options, headers } : options);
    },
    flush: () => bus.flush(),
    drain: () => bus.drain(),
    state: () => bus.state(),
    onStatus: (listener) => bus.onStatus(listener),
  };
}
