import { ROOT_CONTEXT, context, type Context } from '@opentelemetry/api';
import { subscribeTo, type BusSubscription, type MessageBus } from '@voiceagent/bus';
import { topics, type CallEvent, type CallStarted } from '@voiceagent/contracts';
import type { Logger } from '@voiceagent/telemetry';

/** A stage's per-call work: its subscriptions, engine streams and timers. */
export interface CallSession {
  /** Release everything the call holds. Called once. */
  close(reason: string): void | Promise<void>;
}

export interface CallSupervisorOptions {
  /** Claim queue (libs/contracts `claimQueues`): one instance per stage owns a call. */
  readonly queue: string;
  readonly logger: Logger;
  /** Which calls this stage takes part in (e.g. by route, `routeOf` in libs/contracts); default every call. */
  readonly takes?: (started: CallStarted) => boolean;
  /**
   * Opens the call's session. It runs outside any trace, so that the call's
   * streams (audio frames above all) carry no trace headers by accident;
   * `callTrace` is the call's trace, as its started event carried it, for the
   * spans and messages that belong to it.
   */
  open(callId: string, started: CallStarted, callTrace: Context): CallSession | Promise<CallSession>;
}

export interface CallSupervisor {
  /** Calls this instance owns right now. */
  active(): number;
  /** Stop claiming; close every owned call. */
  stop(): Promise<void>;
}

/**
 * Claims new calls through a queue group on `calls.lifecycle` and guarantees
 * that whatever a call opened is closed: when the call ends (the end event is
 * broadcast, so the owner hears it whichever instance that is), or when the
 * service stops.
 */
export function superviseCalls(bus: MessageBus, options: CallSupervisorOptions): CallSupervisor {
  const { logger } = options;
  const owned = new Map<string, Promise<CallSession | undefined>>();

  const close = async (callId: string, reason: string) => {
    const pending = owned.get(callId);
    if (!pending) return;
    owned.delete(callId);
    const session = await pending;
    try {
      await session?.close(reason);
      logger.debug({ callId, reason }, 'call released');
    } catch (err) {
      logger.error({ err, callId }, 'call session failed to close');
    }
  };

  const claims: BusSubscription = subscribeTo(
    bus,
    topics.lifecycle,
    (event: CallEvent) => {
      if (event.event?.$case !== 'started' || owned.has(event.callId)) return;
      const { callId } = event;
      const { started } = event.event;
      if (options.takes && !options.takes(started)) {
        logger.debug({ callId, queue: options.queue }, 'call left alone (not this stage\'s route)');
        return;
      }
      const callTrace = context.active();
      const opening = context
        .with(ROOT_CONTEXT, () => Promise.resolve().then(() => options.open(callId, started, callTrace)))
        .catch((err: unknown) => {
          logger.error({ err, callId }, 'could not open call session');
          owned.delete(callId);
          return undefined;
        });
      owned.set(callId, opening);
      logger.info({ callId, queue: options.queue }, 'call claimed');
    },
    { queue: options.queue },
  );

  const endings: BusSubscription = subscribeTo(bus, topics.lifecycle, (event) => {
    if (event.event?.$case === 'ended') return close(event.callId, 'call ended');
    return undefined;
  });

  return {
    active: () => owned.size,
    stop: async () => {
      claims.unsubscribe();
      endings.unsubscribe();
      await Promise.all([...owned.keys()].map((callId) => close(callId, 'service stopping')));
    },
  };
}

/** Logs every call lifecycle event this service hears (broadcast, not claimed). */
export function logCallLifecycle(bus: MessageBus, logger: Logger): BusSubscription {
  return subscribeTo(bus, topics.lifecycle, ({ callId, event }) => {
    if (!event) return logger.warn({ callId }, 'call event without a kind');
    const detail = (event as unknown as Record<string, object>)[event.$case];
    logger.info({ callId, event: event.$case, ...detail }, `call ${event.$case}`);
  });
}
