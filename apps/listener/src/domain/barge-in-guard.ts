import { classifyUtterance } from './backchannel';

export interface BargeInSettings {
  /** Sustained speech needed before the caller may interrupt (TURN_MIN_SPEECH_MS). */
  readonly minSpeechMs: number;
  /**
   * Caller audio this far below the agent's playout level is taken for the
   * agent's own voice coming back (line or acoustic echo), not the caller.
   */
  readonly echoMarginDb: number;
}

export const defaultBargeInSettings: BargeInSettings = { minSpeechMs: 150, echoMarginDb: 25 };

/** The caller's speech so far, heard while the agent was talking. */
export interface Overlap {
  /** Speech since the onset, ms of audio. */
  readonly speechMs: number;
  /** The transcript so far (partial), or the settled one at the end. */
  readonly text: string;
  /** Loudest caller frame of the utterance. */
  readonly callerPeakDbfs: number;
  /** Loudest agent frame heard meanwhile. */
  readonly agentPeakDbfs: number;
}

export type OverlapVerdict =
  /** The caller means to interrupt: stop the agent. */
  | 'barge-in'
  /** Not enough to tell yet. */
  | 'wait'
  /** The agent's own voice coming back. */
  | 'echo'
  /** "uh-huh", "yeah": the caller is listening. */
  | 'backchannel'
  /** No words came of it (a cough, a click, noise). */
  | 'no-words';

/**
 * Tells a real interruption from the sounds a listening caller (or the line)
 * makes while the agent talks. Stopping the agent is costly (the caller
 * loses what it was saying), so the caller must have spoken for a while, be
 * loud enough not to be echo, and have said words that are more than a
 * backchannel. Speech recognition text is the evidence, so a barge-in comes
 * with the first partial that shows such words.
 */
export class BargeInGuard {
  readonly settings: BargeInSettings;

  constructor(settings: Partial<BargeInSettings> = {}) {
    this.settings = { ...defaultBargeInSettings, ...settings };
  }

  private isEcho(overlap: Overlap): boolean {
    return overlap.callerPeakDbfs < overlap.agentPeakDbfs - this.settings.echoMarginDb;
  }

  /** While the caller is still speaking, from their partial transcript. */
  whileSpeaking(overlap: Overlap): OverlapVerdict {
    if (this.isEcho(overlap)) return 'echo';
    if (overlap.speechMs < this.settings.minSpeechMs) return 'wait';
    const content = classifyUtterance(overlap.text, { partial: true });
    return content === 'speech' ? 'barge-in' : 'wait';
  }

  /** Once the utterance is over, from its settled transcript: was it something to answer? */
  atEnd(overlap: Overlap): OverlapVerdict {
    if (this.isEcho(overlap)) return 'echo';
    const content = classifyUtterance(overlap.text);
    if (content === 'empty') return 'no-words';
    if (content === 'backchannel') return 'backchannel';
    // Words, but too short to be sure: the recognizer makes words of clicks and breaths.
    return overlap.speechMs < this.settings.minSpeechMs ? 'no-words' : 'barge-in';
  }
}
