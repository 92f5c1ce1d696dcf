import { PHONE_SAMPLE_RATE_HZ } from '@voiceagent/audio';
import { Route, claimQueues, routeOf } from '@voiceagent/contracts';
import { isEntrypoint, logCallLifecycle, runStandalone, superviseCalls, type ServiceDefinition } from '@voiceagent/runtime';
import { createSpeechToText } from '@voiceagent/stt';
import { TurnTracker, followTurnStages } from '@voiceagent/telemetry';
import { BusCallAudioSource } from './adapters/bus-call-audio-source';
import { BusListenerEvents } from './adapters/bus-listener-events';
import { TracedTurnObserver } from './adapters/traced-turn-observer';
import { BargeInGuard, type BargeInSettings } from './domain/barge-in-guard';
import { CallListener } from './domain/call-listener';

export interface ListenerServiceOptions {
  /** Fetch missing models from upstream at start-up (default true); false: models folder and mirror only. */
  readonly downloadModels?: boolean;
  /** Tuning of the false-barge-in guard beyond TURN_MIN_SPEECH_MS. */
  readonly bargeIn?: Partial<Omit<BargeInSettings, 'minSpeechMs'>>;
}

/**
 * Composition root of the listener: one speech-to-text engine (STT_ENGINE)
 * shared by every call it claims; per call, one speech stream at the call's
 * rate fed from `audio.in`, and the agent's `audio.out` followed so that
 * speech over the agent is judged before it interrupts.
 */
export function createListenerService(options: ListenerServiceOptions = {}): ServiceDefinition {
  return {
    name: 'listener',
    async start({ bus, config, logger, health, telemetry }) {
      // Models are ensured here: a missing one fails start-up with libs/models' message saying how to fix it.
      const stt = await createSpeechToText(config, { log: (line) => logger.info({ line }, 'speech models'), download: options.downloadModels });
      logger.info({ engine: stt.engine, silenceMs: config.TURN_SILENCE_MS, minSpeechMs: config.TURN_MIN_SPEECH_MS }, 'speech-to-text ready');
      const guard = new BargeInGuard({ ...options.bargeIn, minSpeechMs: config.TURN_MIN_SPEECH_MS });
      const tracer = telemetry.tracer('listener');
      const audio = new BusCallAudioSource(bus);
      let streams = 0;

      const lifecycleLog = logCallLifecycle(bus, logger);
      const calls = superviseCalls(bus, {
        queue: claimQueues.listener,
        logger,
        // A call routed to a person is transferred at once: nothing to transcribe. Voicemail is transcribed.
        takes: (started) => routeOf(started) !== Route.ROUTE_HUMAN,
        open(callId, started, callTrace) {
          const sampleRateHz = started.sampleRateHz || PHONE_SAMPLE_RATE_HZ;
          // The listener starts each turn, so it owns the turn's span: the other stages report back when done.
          const turns = new TurnTracker({ tracer, metrics: telemetry.metrics, logger, callId, callTrace });
          const stages = followTurnStages(bus, callId, (turnSpanId, timing) => turns.stageDone(turnSpanId, timing));
          const listener = new CallListener({
            callId,
            stream: stt.stream({ sampleRateHz }),
            engine: stt.engine,
            sampleRateHz,
            events: new BusListenerEvents(bus, callId),
            observer: new TracedTurnObserver({ tracer, logger, callId, engine: stt.engine, turns }),
            guard,
          });
          streams++;
          const unfollow = audio.follow(callId, { caller: (frame) => listener.callerFrame(frame), agent: (frame) => listener.agentFrame(frame) });
          logger.info({ callId, sampleRateHz, engine: stt.engine }, 'listening');
          return {
            async close(reason) {
              unfollow();
              stages.unsubscribe();
              turns.close();
              const summary = await listener.close();
              streams--;
              logger.info({ ...summary, reason }, 'caller audio summary');
            },
          };
        },
      });
      const unregister = health.register('listener', () => ({ ok: true, detail: `engine ${stt.engine}; ${calls.active()} active calls; ${streams} open streams` }));
      return {
        async stop() {
          unregister();
          lifecycleLog.unsubscribe();
          // Closes every call's stream; the engine itself holds only shared model weights.
          await calls.stop();
        },
      };
    },
  };
}

export const listenerService: ServiceDefinition = createListenerService();

if (isEntrypoint(import.meta.url)) void runStandalone(listenerService);
