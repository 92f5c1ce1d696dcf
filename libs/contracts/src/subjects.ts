/**
 * Every bus subject name is built here and only here (DESIGN.md, "Subjects").
 * Call ids become a subject token, so they are restricted to characters NATS
 * allows in a token.
 */

const CALL_ID = /^[A-Za-z0-9_-]{1,128}$/;

export class InvalidCallIdError extends Error {
  override readonly name = 'InvalidCallIdError';
  constructor(readonly callId: string) {
    super(`invalid call id ${JSON.stringify(callId)}: use 1-128 characters from [A-Za-z0-9_-]`);
  }
}

export function assertCallId(callId: string): string {
  if (!CALL_ID.test(callId)) throw new InvalidCallIdError(callId);
  return callId;
}

/** Per-call streams: `call.{id}.<stream>`. */
export const callStreams = {
  audioIn: 'audio.in',
  audioOut: 'audio.out',
  vad: 'vad',
  transcript: 'transcript',
  userTurn: 'turn.user',
  agentTurn: 'turn.agent',
  control: 'control',
  /** Digits the caller pressed (RFC 4733 or SIP INFO), media → stages. */
  dtmf: 'dtmf',
  /** A stage of a caller turn is done (brain, speaker, media → the listener, which owns the turn's span). */
  turnStage: 'turn.stage',
} as const;

export type CallStream = keyof typeof callStreams;

/** The subject of one call's stream, e.g. `call.abc.audio.in`. */
export function callSubject(callId: string, stream: CallStream): string {
  return `call.${assertCallId(callId)}.${callStreams[stream]}`;
}

/** The wildcard subject matching a stream of every call, e.g. `call.*.audio.in`. */
export function anyCallSubject(stream: CallStream): string {
  return `call.*.${callStreams[stream]}`;
}

/** Extracts the call id from a per-call subject, or undefined if it is not one. */
export function callIdOf(subject: string): string | undefined {
  const match = /^call\.([A-Za-z0-9_-]{1,128})\./.exec(subject);
  return match?.[1];
}

export const LIFECYCLE_SUBJECT = 'calls.lifecycle';

/** Request/reply: how a call that just arrived is routed (media asks, the gateway answers). */
export const ROUTE_SUBJECT = 'calls.route';

/**
 * Queue groups through which one instance of each stage claims a new call.
 * Named per stage so that every stage gets every call once.
 */
export const claimQueues = {
  media: 'media',
  listener: 'listener',
  brain: 'brain',
  speaker: 'speaker',
  escalation: 'escalation',
} as const;
