import { subscribeTo, type MessageBus } from '@voiceagent/bus';
import { topics } from '@voiceagent/contracts';
import type { TurnSource } from '../ports/turn-source';

/** Caller turns from `call.{id}.turn.user`. */
export class BusTurnSource implements TurnSource {
  constructor(private readonly bus: MessageBus) {}

  follow(callId: string, onTurn: Parameters<TurnSource['follow']>[1]): () => void {
    const subscription = subscribeTo(this.bus, topics.call(callId, 'userTurn'), (turn) => onTurn(turn));
    return () => subscription.unsubscribe();
  }
}
