import { PHONE_SAMPLE_RATE_HZ } from '@voiceagent/audio';
import { Route, claimQueues, routeOf } from '@voiceagent/contracts';
import { isEntrypoint, logCallLifecycle, runStandalone, superviseCalls, type ServiceDefinition } from '@voiceagent/runtime';
import { PhraseCache, createTextToSpeech, type LocalTtsOptions, type PhraseCacheOptions } from '@voiceagent/tts';
import { BusAgentAudioSink } from './adapters/bus-agent-audio-sink';
import { BusAgentSpeechSource } from './adapters/bus-agent-speech-source';
import { CachedPhrases } from './adapters/cached-phrases';
import { TracedSpeechObserver } from './adapters/traced-speech-observer';
import { CallSpeaker } from './domain/call-speaker';

export interface SpeakerServiceOptions {
  /** Local engine settings beyond TTS_VOICE (binary paths, a process observer): for tests and tuning. */
  readonly localTts?: Omit<LocalTtsOptions, 'voice'>;
  /** Bound on cached fixed phrases (default 8 MiB, shared by every call). */
  readonly phraseCache?: PhraseCacheOptions;
}

/**
 * Composition root of the speaker: one text-to-speech engine (TTS_ENGINE,
 * TTS_VOICE) shared by every call it claims; per call, one synthesis stream
 * at the call's rate whose frames go to `call.{id}.audio.out`.
 */
export function createSpeakerService(options: SpeakerServiceOptions = {}): ServiceDefinition {
  return {
    name: 'speaker',
    async start({ bus, config, logger, health, telemetry }) {
      // Fails start-up with the engine's own message (e.g. which Debian package to install).
      const engine = await createTextToSpeech(config, options.localTts);
      const phrases = new PhraseCache(engine, options.phraseCache);
      const tracer = telemetry.tracer('speaker');
      const source = new BusAgentSpeechSource(bus);
      const voice = config.TTS_VOICE ?? 'default voice';
      logger.info({ engine: engine.engine, voice, nativeRateHz: engine.sampleRateHz }, 'text-to-speech ready');

      const lifecycleLog = logCallLifecycle(bus, logger);
      const calls = superviseCalls(bus, {
        queue: claimQueues.speaker,
        logger,
        open(callId, started) {
          const sampleRateHz = started.sampleRateHz || PHONE_SAMPLE_RATE_HZ;
          const speaker = new CallSpeaker({
            sampleRateHz,
            openStream: () => engine.stream({ sampleRateHz }),
            phrases: new CachedPhrases(phrases, { sampleRateHz }),
            sink: new BusAgentAudioSink(bus, callId, sampleRateHz),
            observer: new TracedSpeechObserver({ tracer, logger, callId, engine: engine.engine, bus }),
            now: () => performance.now(),
          });
          // A call routed to voicemail or a person hears the router's announcement, whole (no barge-in), and no dialogue follows.
          const routed = routeOf(started) !== Route.ROUTE_AI_SESSION;
          const unfollow = routed
            ? () => undefined
            : source.follow(callId, {
              onSentence: (sentence) => speaker.sentence(sentence),
              onBargeIn: () => speaker.bargeIn(),
            });
          const announcement = started.routing?.announcement.trim();
          if (routed && announcement) speaker.sentence({ turnId: 'announcement', sentenceIndex: 0, text: announcement, final: true, cacheKey: 'announcement' });
          logger.info({ callId, sampleRateHz }, 'speech opened');
          return {
            async close(reason) {
              unfollow();
              const summary = await speaker.close();
              logger.info({ callId, reason, ...summary }, 'speech closed');
            },
          };
        },
      });
      const unregister = health.register('speaker', () => ({
        ok: true,
        detail: `engine ${engine.engine} (${voice}); ${calls.active()} active calls; phrase cache ${Math.round(phrases.size / 1024)} KiB`,
      }));
      return {
        async stop() {
          unregister();
          lifecycleLog.unsubscribe();
          await calls.stop();
          await engine.close();
        },
      };
    },
  };
}

export const speakerService: ServiceDefinition = createSpeakerService();

if (isEntrypoint(import.meta.url)) void runStandalone(speakerService);
