import { claimQueues } from '@voiceagent/contracts';
import { isEntrypoint, logCallLifecycle, runStandalone, superviseCalls, type ServiceDefinition } from '@voiceagent/runtime';
import { BusCallAudioSource } from './adapters/bus-call-audio-source';
import { CallerAudio } from './domain/caller-audio';

/** Composition root of the listener: claims calls and follows their caller audio. */
export const listenerService: ServiceDefinition = {
  name: 'listener',
  async start({ bus, logger, health }) {
    const audio = new BusCallAudioSource(bus);
    const lifecycleLog = logCallLifecycle(bus, logger);
    const calls = superviseCalls(bus, {
      queue: claimQueues.listener,
      logger,
      open(callId) {
        const caller = new CallerAudio(callId);
        const unfollow = audio.follow(callId, (frame) => caller.onFrame(frame));
        return {
          close(reason) {
            unfollow();
            logger.info({ ...caller.summary(), reason }, 'caller audio summary');
          },
        };
      },
    });
    const unregister = health.register('listener', () => ({ ok: true, detail: `${calls.active()} active calls` }));
    return {
      async stop() {
        unregister();
        lifecycleLog.unsubscribe();
        await calls.stop();
      },
    };
  },
};

if (isEntrypoint(import.meta.url)) void runStandalone(listenerService);
