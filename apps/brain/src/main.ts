import { claimQueues } from '@voiceagent/contracts';
import { isEntrypoint, logCallLifecycle, runStandalone, superviseCalls, type ServiceDefinition } from '@voiceagent/runtime';
import { BusTurnSource } from './adapters/bus-turn-source';
import { Conversation } from './domain/conversation';

/** Composition root of the brain: claims calls and follows their caller turns. */
export const brainService: ServiceDefinition = {
  name: 'brain',
  async start({ bus, logger, health }) {
    const turns = new BusTurnSource(bus);
    const lifecycleLog = logCallLifecycle(bus, logger);
    const calls = superviseCalls(bus, {
      queue: claimQueues.brain,
      logger,
      open(callId, started) {
        const conversation = new Conversation(callId, started.caller);
        const unfollow = turns.follow(callId, (turn) => {
          if (conversation.hear(turn.text, turn.finalizedAt ?? new Date())) logger.info({ callId, turnId: turn.turnId, text: turn.text }, 'caller turn');
        });
        return {
          close(reason) {
            unfollow();
            logger.info({ callId, turns: conversation.transcript().length, reason }, 'conversation closed');
          },
        };
      },
    });
    const unregister = health.register('brain', () => ({ ok: true, detail: `${calls.active()} active calls` }));
    return {
      async stop() {
        unregister();
        lifecycleLog.unsubscribe();
        await calls.stop();
      },
    };
  },
};

if (isEntrypoint(import.meta.url)) void runStandalone(brainService);
