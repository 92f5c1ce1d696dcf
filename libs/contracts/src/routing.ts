import { Route, type CallStarted } from './gen/voiceagent/call/v1/call';

/**
 * The route of a call as its stages act on it: what the router decided, and
 * an AI session for a call announced without a decision (an edge that does
 * not route, or a router that did not answer).
 */
export function routeOf(started: CallStarted): Route {
  const route = started.routing?.route;
  return route === Route.ROUTE_VOICEMAIL || route === Route.ROUTE_HUMAN ? route : Route.ROUTE_AI_SESSION;
}

/**
 * The SIP header (lower case, as the media service forwards it) by which a
 * trusted SBC, PBX or contact flow in front of us says it has routed the call
 * already: "ai_session", "voicemail" or "human". The gateway then takes that
 * route instead of deciding again.
 */
export const UPSTREAM_ROUTE_HEADER = 'x-voiceagent-route';
