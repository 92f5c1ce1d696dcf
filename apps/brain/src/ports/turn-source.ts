import type { Context } from '@opentelemetry/api';

export interface CallerTurn {
  readonly turnId: string;
  readonly text: string;
  /** The recognizer's confidence in the words, 0–1 (0: unknown). */
  readonly confidence: number;
  /** The trace context the listener sent with the turn: the brain's span is its child. */
  readonly trace: Context;
}

/** Finalized caller turns of one call. */
export interface TurnSource {
  follow(callId: string, onTurn: (turn: CallerTurn) => void): () => void;
  /**
   * Resolves when the call's audio is flowing (its first caller frame), or
   * after `timeoutMs`: the moment to greet, when every stage has the call.
   */
  lineLive(callId: string, timeoutMs: number): Promise<void>;
}
