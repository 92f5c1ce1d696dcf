import type { BusSubscription, MessageBus } from '@voiceagent/bus';
import { Route, rpcs, type CallRouted, type RouteRequest } from '@voiceagent/contracts';

/** One gateway instance answers each routing request. */
const ROUTING_QUEUE = 'gateway';

/**
 * Answers `calls.route` requests with `decide`'s decision. A request that
 * does not decode gets no answer (the media service fails open after its
 * timeout); a decision that throws is answered with an AI session at once.
 */
export function answerCallRouting(
  bus: MessageBus,
  decide: (request: RouteRequest) => CallRouted,
  onProblem: (error: unknown, what: string) => void,
): BusSubscription {
  return bus.subscribe(
    rpcs.route.subject,
    (message) => {
      let request: RouteRequest;
      try {
        request = rpcs.route.request.decode(message.data);
      } catch (error) {
        return onProblem(error, 'undecodable routing request');
      }
      let decision: CallRouted;
      try {
        decision = decide(request);
      } catch (error) {
        onProblem(error, 'routing failed; answering with an AI session');
        decision = { route: Route.ROUTE_AI_SESSION, reason: 'routing failed', target: '', announcement: '' };
      }
      message.respond(rpcs.route.reply.encode(decision));
    },
    { queue: ROUTING_QUEUE },
  );
}
