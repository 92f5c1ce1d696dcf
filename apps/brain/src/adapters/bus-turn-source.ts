import { subscribeTo, type MessageBus } from '@voiceagent/bus';
import { topics } from '@voiceagent/contracts';
import { extractTraceContext } from '@voiceagent/telemetry';
import type { CallerTurn, TurnSource } from '../ports/turn-source';

/** Caller turns from `call.{id}.turn.user`, with the trace context their headers carry. */
export class BusTurnSource implements TurnSource {
  constructor(private readonly bus: MessageBus) {}

  follow(callId: string, onTurn: (turn: CallerTurn) => void): () => void {
    const subscription = subscribeTo(this.bus, topics.call(callId, 'userTurn'), (turn, message) =>
      onTurn({ turnId: turn.turnId, text: turn.text, confidence: turn.confidence, trace: extractTraceContext(message) }),
    );
    return () => subscription.unsubscribe();
  }

  lineLive(callId: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        subscription.unsubscribe();
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      const subscription = this.bus.subscribe(topics.call(callId, 'audioIn').subject, done);
    });
  }
}
