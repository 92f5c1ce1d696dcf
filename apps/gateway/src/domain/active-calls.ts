import { routeToJSON, type CallEvent, type CallRouted } from '@voiceagent/contracts';

export interface CallSummary {
  readonly callId: string;
  readonly caller: string;
  readonly called: string;
  readonly startedAt: string;
  /** "ai_session", "voicemail" or "human", once routed. */
  route?: string;
  routeReason?: string;
  endedAt?: string;
  endReason?: string;
}

/**
 * What the control plane knows about calls: the ones in progress, and the
 * most recent ended ones (bounded, so a long-running gateway does not grow).
 */
export class ActiveCalls {
  private readonly active = new Map<string, CallSummary>();
  private readonly ended: CallSummary[] = [];

  constructor(private readonly keepEnded = 100) {}

  apply(event: CallEvent): void {
    const at = (event.time ?? new Date()).toISOString();
    switch (event.event?.$case) {
      case 'started': {
        const { caller, called, routing } = event.event.started;
        const call: CallSummary = { callId: event.callId, caller, called, startedAt: at };
        this.active.set(event.callId, call);
        if (routing) routed(call, routing);
        break;
      }
      case 'routed': {
        const call = this.active.get(event.callId);
        if (call) routed(call, event.event.routed);
        break;
      }
      case 'ended': {
        const call = this.active.get(event.callId);
        if (!call) break;
        this.active.delete(event.callId);
        call.endedAt = at;
        call.endReason = String(event.event.ended.reason);
        this.ended.unshift(call);
        if (this.ended.length > this.keepEnded) this.ended.pop();
        break;
      }
      default:
        break;
    }
  }

  list(): { active: CallSummary[]; recentlyEnded: CallSummary[] } {
    return { active: [...this.active.values()], recentlyEnded: [...this.ended] };
  }

  get size(): number {
    return this.active.size;
  }
}

function routed(call: CallSummary, routing: CallRouted): void {
  call.route = routeToJSON(routing.route).replace(/^ROUTE_/, '').toLowerCase();
  call.routeReason = routing.reason;
}
