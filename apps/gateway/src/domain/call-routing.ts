import { Route } from '@voiceagent/contracts';
import { findVipCaller, hoursOn, isOpenAt, localDateAt, renderMessage, transferTargetFor, type Knowledge } from '@voiceagent/knowledge';

export interface RoutingDecision {
  readonly route: Route;
  /** Why, for logs and the call list ("closed: holiday (Christmas Day)", "VIP caller Dr. Patel"). */
  readonly reason: string;
  /** Where a ROUTE_HUMAN call goes: SIP URI, E.164 number or Connect queue; empty otherwise. */
  readonly target: string;
  /** What the caller hears before voicemail or the transfer; empty for an AI session. */
  readonly announcement: string;
}

const UPSTREAM_ROUTES: ReadonlyMap<string, Route> = new Map([
  ['ai_session', Route.ROUTE_AI_SESSION],
  ['voicemail', Route.ROUTE_VOICEMAIL],
  ['human', Route.ROUTE_HUMAN],
]);

/** The route named by an upstream router's header value ("ai_session", "voicemail", "human"); undefined for anything else. */
export function upstreamRoute(value: string | undefined): Route | undefined {
  return value === undefined ? undefined : UPSTREAM_ROUTES.get(value.trim().toLowerCase());
}

/**
 * Routes a call that arrives at `instant` from `caller`, as a contact flow
 * would: when the business is closed (outside the weekly hours, on a holiday,
 * outside a special day's hours, all in the business timezone) the caller
 * hears the closed and voicemail messages and leaves a voicemail; a VIP
 * caller goes straight to their transfer target; everyone else gets the AI
 * session. Closed comes first: after hours there is nobody to take a VIP.
 * A route decided `upstream` (an SBC or contact flow in front of us) is taken
 * as it is, with the announcement and target that go with it.
 */
export function routeCall(knowledge: Knowledge, instant: Date, caller: string, upstream?: Route): RoutingDecision {
  const open = isOpenAt(knowledge, instant);
  const vip = findVipCaller(knowledge, caller);
  const route = upstream ?? (!open ? Route.ROUTE_VOICEMAIL : vip ? Route.ROUTE_HUMAN : Route.ROUTE_AI_SESSION);
  const reason = (why: string) => (upstream === undefined ? why : 'routed upstream');
  const say = (key: Parameters<typeof renderMessage>[1]) => renderMessage(knowledge, key, instant);
  switch (route) {
    case Route.ROUTE_VOICEMAIL:
      return {
        route,
        reason: reason(closedReason(knowledge, instant)),
        target: '',
        // Voicemail while open (sent here upstream) skips the closed message.
        announcement: open ? say('voicemail') : `${say('closed')} ${say('voicemail')}`,
      };
    case Route.ROUTE_HUMAN: {
      // Validation guarantees a VIP's target exists.
      const target = (vip?.transferTo !== undefined ? knowledge.transfer.targets[vip.transferTo] : undefined) ?? transferTargetFor(knowledge);
      return { route, reason: reason(`VIP caller ${vip?.name ?? vip?.number ?? ''}`), target: target.address, announcement: say('transfer') };
    }
    default:
      return { route: Route.ROUTE_AI_SESSION, reason: reason('open'), target: '', announcement: '' };
  }
}

function closedReason(knowledge: Knowledge, instant: Date): string {
  const day = hoursOn(knowledge, localDateAt(knowledge, instant));
  const name = day.name ?? day.date;
  if (day.kind === 'holiday') return `closed: holiday (${name})`;
  if (day.kind === 'special') return `closed: outside special hours (${name})`;
  return 'closed: outside opening hours';
}
