import type { MessageBus } from '@voiceagent/bus';
import { rpcs, type CallRouted, type CallStarted } from '@voiceagent/contracts';
import type { CallRouter } from '../ports/call-router';

/** Asks the gateway on `calls.route` (request/reply), waiting at most `timeoutMs` for the answer. */
export class BusCallRouter implements CallRouter {
  constructor(
    private readonly bus: MessageBus,
    private readonly timeoutMs: number,
  ) {}

  async route(callId: string, call: CallStarted): Promise<CallRouted> {
    const reply = await this.bus.request(rpcs.route.subject, rpcs.route.request.encode({ callId, call }), { timeoutMs: this.timeoutMs });
    return rpcs.route.reply.decode(reply.data);
  }
}
