import type { CallRouted, CallStarted } from '@voiceagent/contracts';

/** Where the media service asks how a call that just arrived is routed (the gateway's rules). */
export interface CallRouter {
  /** The routing decision; rejects when the router cannot answer in time. */
  route(callId: string, call: CallStarted): Promise<CallRouted>;
}
