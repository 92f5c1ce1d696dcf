import { context } from '@opentelemetry/api';
import { Route, claimQueues, routeOf } from '@voiceagent/contracts';
import { KnowledgeStore, formatProblem } from '@voiceagent/knowledge';
import { createLanguageModel } from '@voiceagent/llm';
import { isEntrypoint, logCallLifecycle, runStandalone, superviseCalls, type ServiceDefinition } from '@voiceagent/runtime';
import { STAGE_SPAN_NAMES, epochMs, reportTurnStage } from '@voiceagent/telemetry';
import { BusAgentOutput, type PlayoutOptions } from './adapters/bus-agent-output';
import { BusTurnSource } from './adapters/bus-turn-source';
import { conversationStoreFor, knowledgeSearchFor } from './adapters/choose';
import { GrpcBooking } from './adapters/grpc-booking';
import { GrpcEscalation } from './adapters/grpc-escalation';
import { TimedLanguageModel } from './adapters/timed-engine';
import { Dialogue } from './domain/dialogue';
import type { BookingPort } from './ports/booking';
import type { ConversationStore } from './ports/conversation-store';
import type { EscalationPort } from './ports/escalation';

/** Longest wait for the caller's audio before greeting anyway (a channel with no inbound audio). */
const GREETING_WAIT_MS = 1000;

export interface BrainOptions {
  /** Defaults to the system clock; tests fix it where opening hours matter. */
  readonly now?: () => Date;
  /** Default: BookingService over gRPC at BOOKING_ADDRESS. */
  readonly booking?: BookingPort;
  /** Default: EscalationService over gRPC at ESCALATION_ADDRESS. */
  readonly escalation?: EscalationPort;
  readonly store?: ConversationStore;
  readonly playout?: PlayoutOptions;
}

/** Composition root of the brain: knowledge, engine, store and booking adapters, one Dialogue per claimed call. */
export function createBrainService(options: BrainOptions = {}): ServiceDefinition {
  return {
    name: 'brain',
    async start({ bus, logger, health, config, telemetry }) {
      const now = options.now ?? (() => new Date());
      const knowledge = await KnowledgeStore.open(config.KNOWLEDGE_FILE, {
        onProblems: (error) => logger.error({ file: config.KNOWLEDGE_FILE, problems: error.problems.map((p) => formatProblem(p)) }, 'knowledge reload refused; keeping the last good version'),
      });
      knowledge.onChange(() => logger.info({ file: config.KNOWLEDGE_FILE }, 'knowledge reloaded'));
      const { search, close: closeSearch } = knowledgeSearchFor(config, knowledge, logger);
      const engine = createLanguageModel(config, { knowledge, search, now, onWarning: (message, detail) => logger.warn(detail, message) });
      logger.info({ engine: engine.engine, ...(config.BRAIN_ENGINE === 'openai' ? { baseUrl: config.OPENAI_BASE_URL, model: config.OPENAI_MODEL } : {}), ...(config.BRAIN_ENGINE === 'bedrock' ? { model: config.BEDROCK_MODEL_ID } : {}) }, 'dialogue engine ready');
      const store = options.store ?? (await conversationStoreFor(bus, logger));
      let grpcBooking: GrpcBooking | undefined;
      const booking: BookingPort = options.booking ?? (grpcBooking = new GrpcBooking(config.BOOKING_ADDRESS));
      let grpcEscalation: GrpcEscalation | undefined;
      const escalation: EscalationPort = options.escalation ?? (grpcEscalation = new GrpcEscalation(config.ESCALATION_ADDRESS));
      const tracer = telemetry.tracer('brain');
      const turns = new BusTurnSource(bus);
      const lifecycleLog = logCallLifecycle(bus, logger);

      const calls = superviseCalls(bus, {
        queue: claimQueues.brain,
        logger,
        // Voicemail and VIP calls were routed past the dialogue: no AI session for them.
        takes: (started) => routeOf(started) === Route.ROUTE_AI_SESSION,
        async open(callId, started, callTrace) {
          const output = new BusAgentOutput(bus, callId, options.playout);
          const timed = new TimedLanguageModel(engine);
          const dialogue = new Dialogue(callId, started.caller, output, { knowledge: () => knowledge.current(), engine: timed, store, booking, escalation, now });
          let answered = 0;
          // One turn at a time per call, in arrival order.
          // Greet once the line is live, so the speaker and media (other processes, on NATS) already follow the call.
          let queue: Promise<unknown> = turns
            .lineLive(callId, GREETING_WAIT_MS)
            // In the call's trace, as the turns are: the greeting's speech shows in it too.
            .then(() => context.with(callTrace, () => dialogue.greet()))
            .catch((err: unknown) => logger.error({ err, callId }, 'greeting failed'));
          const unfollow = turns.follow(callId, (turn) => {
            if (!turn.text.trim()) return;
            const received = epochMs();
            // The brain's share of the turn: from the transcript to the first sentence out (waiting behind an earlier turn included).
            const span = tracer.startSpan(STAGE_SPAN_NAMES.brain, { startTime: received, attributes: { callId, turnId: turn.turnId, stage: 'brain', engine: engine.engine } }, turn.trace);
            queue = queue.then(() =>
              // The reply goes out in the turn's context, so the speaker's span is the turn's child as well.
              context.with(turn.trace, async () => {
                try {
                  const { reply, engineFailed, handoff } = await dialogue.hear(turn.turnId, turn.text, { confidence: turn.confidence, firstSentence: (call) => {
                    const endedAtMs = epochMs();
                    span.setAttributes({ tool: call.name, engineMs: Math.round(timed.lastChatMs * 10) / 10 });
                    span.end(endedAtMs);
                    reportTurnStage(bus, callId, turn.trace, { stage: 'brain', startedAtMs: received, endedAtMs, engineMs: timed.lastChatMs });
                  } });
                  answered++;
                  logger.info({ callId, turnId: turn.turnId, text: turn.text, confidence: Math.round(turn.confidence * 100) / 100, tool: reply.call.name, decideMs: Math.round(epochMs() - received), engineFailed }, 'caller turn');
                  if (reply.invented) logger.warn({ callId, turnId: turn.turnId, invented: reply.invented }, 'reply refused: invented values; transferring');
                  handoff?.then(
                    (handoffId) => logger.info({ callId, handoffId }, 'hand-off recorded'),
                    (err: unknown) => logger.error({ err, callId }, 'hand-off not recorded; transferring anyway'),
                  );
                } catch (err) {
                  span.end();
                  logger.error({ err, callId, turnId: turn.turnId }, 'turn failed');
                }
              }),
            );
          });
          return {
            async close(reason) {
              unfollow();
              output.close();
              await queue;
              await store.delete(callId);
              logger.info({ callId, turns: answered, reason }, 'conversation closed');
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
          grpcBooking?.close();
          grpcEscalation?.close();
          engine.close?.();
          await closeSearch();
          knowledge.close();
        },
      };
    },
  };
}

export const brainService: ServiceDefinition = createBrainService();

if (isEntrypoint(import.meta.url)) void runStandalone(brainService);
