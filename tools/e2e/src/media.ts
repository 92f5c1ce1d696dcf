import { subscribeTo } from '@voiceagent/bus';
import { topics, type AudioFrame, type CallEvent, type Dtmf } from '@voiceagent/contracts';
import { mediaService } from '@voiceagent/media';
import { startServices, type ServiceHarness } from '@voiceagent/runtime/testing';
import { eventually } from '@voiceagent/testing';
import { freeSipPort } from './ports';

/** What one call looked like on the bus. */
export interface ObservedCall {
  readonly callId: string;
  readonly events: CallEvent[];
  readonly audioIn: AudioFrame[];
  readonly dtmf: Dtmf[];
}

/**
 * The media service running in this process on a free SIP port, with every
 * call's lifecycle, caller audio and digits recorded from the bus as they
 * are published (subscribed before any call can start).
 */
export interface MediaUnderTest {
  readonly harness: ServiceHarness;
  readonly port: number;
  readonly uri: string;
  /** Every `calls.lifecycle` event, in order. */
  readonly lifecycle: CallEvent[];
  /** Calls by id, in the order they started. */
  readonly calls: Map<string, ObservedCall>;
  /** Resolves with the first call that starts after `after` calls had started. */
  nextCall(after?: number, timeoutMs?: number): Promise<ObservedCall>;
  /** Resolves with the call's `ended` event. */
  ended(callId: string, timeoutMs?: number): Promise<NonNullable<CallEvent['event']> & { $case: 'ended' }>;
  stop(): Promise<void>;
}

export async function startMedia(env: Record<string, string>): Promise<MediaUnderTest> {
  const port = await freeSipPort();
  const harness = await startServices([mediaService], { SIP_HOST: '127.0.0.1', SIP_PORT: String(port), ...env });
  const lifecycle: CallEvent[] = [];
  const calls = new Map<string, ObservedCall>();
  const bus = harness.bus;
  const subscriptions = [
    subscribeTo(bus, topics.lifecycle, (event) => {
      lifecycle.push(event);
      if (event.event?.$case !== 'started' || calls.has(event.callId)) return;
      // Subscribed synchronously with the started event, before the call's first frame.
      const call: ObservedCall = { callId: event.callId, events: [], audioIn: [], dtmf: [] };
      calls.set(event.callId, call);
      subscriptions.push(
        subscribeTo(bus, topics.call(event.callId, 'audioIn'), (frame) => void call.audioIn.push(frame)),
        subscribeTo(bus, topics.call(event.callId, 'dtmf'), (digit) => void call.dtmf.push(digit)),
      );
    }),
  ];
  // Lifecycle events of a call, including its own started event.
  subscriptions.push(subscribeTo(bus, topics.lifecycle, (event) => void calls.get(event.callId)?.events.push(event)));
  return {
    harness,
    port,
    uri: `sip:agent@127.0.0.1:${port}`,
    lifecycle,
    calls,
    nextCall: (after = 0, timeoutMs = 5000) =>
      eventually(
        () => {
          const call = [...calls.values()][after];
          if (!call) throw new Error(`call ${after + 1} has not started (${calls.size} started)`);
          return call;
        },
        { timeoutMs },
      ),
    ended: (callId, timeoutMs = 5000) =>
      eventually(
        () => {
          const event = lifecycle.find((e) => e.callId === callId && e.event?.$case === 'ended')?.event;
          if (event?.$case !== 'ended') throw new Error(`call ${callId} has not ended`);
          return event;
        },
        { timeoutMs },
      ),
    async stop() {
      for (const subscription of subscriptions) subscription.unsubscribe();
      await harness.stop();
    },
  };
}
