import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * Keeps the most recent ended spans in a ring buffer: the in-memory default
 * when no OTLP collector is configured, and what tests and the console read.
 * (The SDK's InMemorySpanExporter keeps every span forever, which a long-running
 * service cannot afford.)
 */
export class RecentSpans implements SpanProcessor {
  private readonly buffer: ReadableSpan[] = [];
  private next = 0;

  constructor(readonly capacity = 2000) {}

  onStart(_span: Span, _parentContext: Context): void {
    // Only ended spans are kept.
  }

  onEnd(span: ReadableSpan): void {
    if (this.buffer.length < this.capacity) this.buffer.push(span);
    else this.buffer[this.next] = span;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Oldest first. */
  spans(): ReadableSpan[] {
    return this.buffer.length < this.capacity ? [...this.buffer] : [...this.buffer.slice(this.next), ...this.buffer.slice(0, this.next)];
  }

  find(predicate: (span: ReadableSpan) => boolean): ReadableSpan | undefined {
    return this.spans().find(predicate);
  }

  clear(): void {
    this.buffer.length = 0;
    this.next = 0;
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
