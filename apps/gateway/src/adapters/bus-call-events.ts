import { subscribeTo, type MessageBus } from '@voiceagent/bus';
import { topics, type CallEvent } from '@voiceagent/contracts';

/** Every call lifecycle event (broadcast: each gateway instance sees all calls). */
export function followCallEvents(bus: MessageBus, onEvent: (event: CallEvent) => void): () => void {
  const subscription = subscribeTo(bus, topics.lifecycle, onEvent);
  return () => subscription.unsubscribe();
}
