/**
 * Hand-offs to people, in the brain's language. The gRPC adapter records
 * them with EscalationService (libs/rpc), so whoever picks up the transfer
 * sees why the caller came and what was said.
 */

export interface TranscriptEntry {
  readonly speaker: 'caller' | 'agent';
  readonly text: string;
}

export interface HandoffRequest {
  readonly callId: string;
  readonly callerNumber: string;
  readonly reason: string;
  /** Knowledge file target id the call is transferred to. */
  readonly targetId: string;
  readonly summary: string;
  readonly transcript: readonly TranscriptEntry[];
}

export interface EscalationPort {
  /** Records the hand-off; resolves with its id. */
  handoff(request: HandoffRequest): Promise<string>;
}
