import type { WordTiming } from '@voiceagent/stt';

/** Caller speech started or stopped (`call.{id}.vad`). */
export interface VoiceActivity {
  /** Position in the caller's audio, ms from the start of the call's stream. */
  readonly atMs: number;
  /** When the caller's audio at `atMs` was captured. */
  readonly at: Date;
  /** The agent could be heard when this happened; on a start, this is a barge-in. */
  readonly duringAgentSpeech: boolean;
}

/** A partial or final transcript (`call.{id}.transcript`). */
export interface TranscriptUpdate {
  readonly isFinal: boolean;
  readonly text: string;
  /** 0–1; 0 on partials. */
  readonly confidence: number;
  /** Empty on partials. */
  readonly words: readonly WordTiming[];
  readonly startMs: number;
  readonly endMs: number;
  readonly engine: string;
}

/** A finalized caller turn (`call.{id}.turn.user`). */
export interface UserTurnUpdate {
  readonly turnId: string;
  readonly text: string;
  readonly confidence: number;
  readonly words: readonly WordTiming[];
  /** When the caller's last speech sample was captured: the start of the turn's latency budget. */
  readonly speechEndedAt: Date;
  readonly finalizedAt: Date;
  readonly interruptedAgent: boolean;
}

/** Where one call's listening results go. */
export interface ListenerEvents {
  speechStarted(event: VoiceActivity): void;
  speechStopped(event: VoiceActivity): void;
  transcript(update: TranscriptUpdate): void;
  userTurn(turn: UserTurnUpdate): void;
}
