import { transferTargetFor, type Knowledge, type TransferTarget } from '@voiceagent/knowledge';
import { InvalidEscalationRequest } from './errors';

/** Pure rules of hand-offs and voicemail: validation, target choice, the notifications they announce. */

export type Speaker = 'caller' | 'agent' | 'system';

export interface TranscriptLine {
  readonly speaker: Speaker;
  readonly text: string;
  readonly at: Date;
}

export interface HandoffInput {
  readonly callId: string;
  readonly callerNumber: string;
  readonly reason: string;
  readonly transcript: readonly TranscriptLine[];
  readonly summary: string;
  readonly targetName: string;
}

export interface NewHandoff {
  readonly id: string;
  readonly callId: string;
  /** Withheld numbers are allowed: a caller still reaches a human. */
  readonly callerNumber: string | undefined;
  readonly reason: string;
  readonly transcript: readonly TranscriptLine[];
  readonly summary: string;
  readonly target: TransferTarget;
}

export interface HandoffView extends NewHandoff {
  readonly createdAt: Date;
}

export interface VoicemailInput {
  readonly callId: string;
  readonly callerNumber: string;
  readonly pcm: Uint8Array;
  readonly sampleRateHz: number;
  readonly transcript: string;
}

export interface NewVoicemail {
  readonly id: string;
  readonly callId: string;
  readonly callerNumber: string | undefined;
  readonly recordingPath: string;
  readonly durationMs: number;
  readonly transcript: string | undefined;
}

export interface VoicemailView extends NewVoicemail {
  readonly createdAt: Date;
}

/** What the outbox carries to webhooks. */
export interface Notification {
  readonly type: 'handoff.created' | 'voicemail.stored';
  readonly data: unknown;
}

export const MAX_TEXT = 2_000;
export const MAX_SUMMARY = 500;
export const MAX_TRANSCRIPT_LINES = 500;
export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 500;
/** Ten minutes of 48 kHz linear16: anything larger is not a voicemail. */
export const MAX_PCM_BYTES = 10 * 60 * 48_000 * 2;

function required(field: string, value: string, max = MAX_TEXT): string {
  const trimmed = value.trim();
  if (!trimmed) throw new InvalidEscalationRequest(field, 'is required');
  if (trimmed.length > max) throw new InvalidEscalationRequest(field, `is longer than ${max} characters`);
  return trimmed;
}

function optional(field: string, value: string, max = MAX_TEXT): string | undefined {
  const trimmed = value.trim();
  if (trimmed.length > max) throw new InvalidEscalationRequest(field, `is longer than ${max} characters`);
  return trimmed || undefined;
}

/** The named target (by id or spoken name), or the knowledge file's choice for the reason. */
export function chooseTarget(knowledge: Knowledge, reason: string, targetName: string): TransferTarget {
  const wanted = targetName.trim();
  if (!wanted) return transferTargetFor(knowledge, reason);
  const targets = Object.values(knowledge.transfer.targets);
  const found = targets.find((target) => target.id === wanted) ?? targets.find((target) => target.name?.toLowerCase() === wanted.toLowerCase());
  if (!found) throw new InvalidEscalationRequest('target_name', `unknown transfer target "${wanted}"`);
  return found;
}

export function planHandoff(input: HandoffInput, knowledge: Knowledge, id: string): NewHandoff {
  const callId = required('call_id', input.callId, 200);
  const reason = required('reason', input.reason, 200);
  const summary = required('summary', input.summary, MAX_SUMMARY);
  if (input.transcript.length > MAX_TRANSCRIPT_LINES) throw new InvalidEscalationRequest('transcript', `has more than ${MAX_TRANSCRIPT_LINES} lines`);
  input.transcript.forEach((line, i) => {
    if (line.text.length > MAX_TEXT) throw new InvalidEscalationRequest(`transcript[${i}].text`, `is longer than ${MAX_TEXT} characters`);
  });
  return {
    id,
    callId,
    callerNumber: optional('caller_number', input.callerNumber, 200),
    reason,
    transcript: input.transcript,
    summary,
    target: chooseTarget(knowledge, reason, input.targetName),
  };
}

export function planVoicemail(input: VoicemailInput, id: string, recordingPath: string): NewVoicemail {
  const callId = required('call_id', input.callId, 200);
  if (input.sampleRateHz < 8_000 || input.sampleRateHz > 48_000) throw new InvalidEscalationRequest('sample_rate_hz', 'must be between 8000 and 48000');
  if (input.pcm.length === 0) throw new InvalidEscalationRequest('pcm', 'is required');
  if (input.pcm.length % 2 !== 0) throw new InvalidEscalationRequest('pcm', 'must be whole 16-bit samples');
  if (input.pcm.length > MAX_PCM_BYTES) throw new InvalidEscalationRequest('pcm', 'is longer than ten minutes');
  return {
    id,
    callId,
    callerNumber: optional('caller_number', input.callerNumber, 200),
    recordingPath,
    durationMs: Math.round((input.pcm.length / 2 / input.sampleRateHz) * 1000),
    transcript: optional('transcript', input.transcript, 20_000),
  };
}

export function listLimit(limit: number): number {
  return limit === 0 ? DEFAULT_LIST_LIMIT : Math.min(limit, MAX_LIST_LIMIT);
}

export const handoffNotification = (handoff: NewHandoff): Notification => ({
  type: 'handoff.created',
  data: {
    id: handoff.id,
    callId: handoff.callId,
    callerNumber: handoff.callerNumber ?? null,
    reason: handoff.reason,
    summary: handoff.summary,
    target: { id: handoff.target.id, name: handoff.target.name ?? null, kind: handoff.target.kind, address: handoff.target.address },
  },
});

export const voicemailNotification = (voicemail: NewVoicemail): Notification => ({
  type: 'voicemail.stored',
  data: {
    id: voicemail.id,
    callId: voicemail.callId,
    callerNumber: voicemail.callerNumber ?? null,
    durationMs: voicemail.durationMs,
    transcript: voicemail.transcript ?? null,
  },
});

export interface Backoff {
  readonly baseMs: number;
  readonly maxMs: number;
}

/**
 * Delay before retry number `attempts` (1 = first retry): doubling from baseMs, capped at maxMs,
 * with "equal jitter" so receivers that come back are not hit by every sender at once.
 */
export function retryDelayMs(backoff: Backoff, attempts: number, random: number): number {
  const exponential = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, Math.min(attempts - 1, 30)));
  return Math.round(exponential / 2 + (exponential / 2) * random);
}
