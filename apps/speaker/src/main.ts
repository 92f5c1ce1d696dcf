import { claimQueues } from '@voiceagent/contracts';
import { isEntrypoint, logCallLifecycle, runStandalone, superviseCalls, type ServiceDefinition } from '@voiceagent/runtime';
import { BusAgentSpeechSource } from './adapters/bus-agent-speech-source';
import { SpeechQueue } from './domain/speech-queue';

/** Composition root of the speaker: claims calls and queues what the agent will say. */
export const speakerService: ServiceDefinition = {
  name: 'speaker',
  async start({ bus, logger, health }) {
    const speech = new BusAgentSpeechSource(bus);
    const lifecycleLog = logCallLifecycle(bus, logger);
    const calls = superviseCalls(bus, {
      queue: claimQueues.speaker,
      logger,
      open(callId) {
        const queue = new SpeechQueue();
        const unfollow = speech.follow(callId, {
          onSentence: (s) => {
            queue.enqueue(s);
            logger.info({ callId, turnId: s.turnId, queued: queue.length }, 'agent sentence queued');
          },
          onBargeIn: () => logger.info({ callId, dropped: queue.interrupt() }, 'barge-in: queue cleared'),
        });
        return {
          close(reason) {
            unfollow();
            logger.info({ callId, queued: queue.length, dropped: queue.dropped, reason }, 'speech closed');
          },
        };
      },
    });
    const unregister = health.register('speaker', () => ({ ok: true, detail: `${calls.active()} active calls` }));
    return {
      async stop() {
        unregister();
        lifecycleLog.unsubscribe();
        await calls.stop();
      },
    };
  },
};

if (isEntrypoint(import.meta.url)) void runStandalone(speakerService);
