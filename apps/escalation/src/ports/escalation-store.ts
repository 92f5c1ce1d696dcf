import type { HandoffView, NewHandoff, NewVoicemail, Notification, VoicemailView } from '../domain/escalation';

/** Persistence of hand-offs and voicemails; each write records its notification atomically with the fact. */
export interface EscalationStore {
  createHandoff(handoff: NewHandoff, notification: Notification): Promise<HandoffView>;
  listHandoffs(callerNumber: string | undefined, limit: number): Promise<HandoffView[]>;
  createVoicemail(voicemail: NewVoicemail, notification: Notification): Promise<VoicemailView>;
  listVoicemails(callerNumber: string | undefined, limit: number): Promise<VoicemailView[]>;
}

export interface OutboxItem {
  readonly id: string;
  readonly type: string;
  readonly createdAt: Date;
  readonly data: unknown;
  readonly attempts: number;
}

/** The outbox as the notifier sees it: claim due rows under a lease, then settle each. */
export interface Outbox {
  /** Due rows (undelivered, next attempt reached), leased until `leaseUntil` so no other sender takes them meanwhile. */
  claimDue(now: Date, leaseUntil: Date, limit: number): Promise<OutboxItem[]>;
  markDelivered(id: string, at: Date): Promise<void>;
  markFailed(id: string, error: string, nextAttemptAt: Date): Promise<void>;
}

/** Where voicemail audio goes; written before the database row, removed if that row is not stored. */
export interface Recordings {
  pathFor(id: string): string;
  write(path: string, pcm: Uint8Array, sampleRateHz: number): Promise<void>;
  remove(path: string): Promise<void>;
}
