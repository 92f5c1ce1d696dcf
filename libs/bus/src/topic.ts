import type { BusHeaders, BusMessage, BusSubscription, MessageBus, SubscribeOptions } from './port';
import { BusError } from './port';

/** A subject paired with the codec of its payload (built in libs/contracts). */
export interface Topic<T> {
  readonly subject: string;
  encode(value: T): Uint8Array;
  decode(data: Uint8Array): T;
}

export class PayloadDecodeError extends BusError {
  override readonly name = 'PayloadDecodeError';
  constructor(
    readonly subject: string,
    cause: unknown,
  ) {
    super(`undecodable payload on "${subject}": ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

export function publishTo<T>(bus: MessageBus, topic: Topic<T>, value: T, headers?: BusHeaders): void {
  bus.publish(topic.subject, topic.encode(value), headers ? { headers } : undefined);
}

/**
 * Subscribes with decoding. A payload that does not decode is reported as a
 * PayloadDecodeError through the bus's handler-error hook and skipped: one bad
 * message never stops the stream.
 */
export function subscribeTo<T>(
  bus: MessageBus,
  topic: Topic<T>,
  handler: (value: T, message: BusMessage) => void | Promise<void>,
  options?: SubscribeOptions,
): BusSubscription {
  return bus.subscribe(
    topic.subject,
    (message) => {
      let value: T;
      try {
        value = topic.decode(message.data);
      } catch (error) {
        throw new PayloadDecodeError(message.subject, error);
      }
      return handler(value, message);
    },
    options,
  );
}
