import { int16View, rmsDbfs } from '@voiceagent/audio';

export interface VoicemailSettings {
  /** The longest message kept. */
  readonly maxMs: number;
  /** The message is over after this much silence (also when the caller never speaks). */
  readonly silenceMs: number;
  /** Caller audio louder than this is speech. */
  readonly speechDbfs: number;
}

export const DEFAULT_VOICEMAIL_SETTINGS: VoicemailSettings = { maxMs: 120_000, silenceMs: 5_000, speechDbfs: -40 };

/**
 * The message a caller leaves after the tone: their audio up to the length
 * limit, when they last spoke (for the silence that ends it), and the
 * listener's final transcripts of it.
 */
export class VoicemailRecording {
  private readonly chunks: Uint8Array[] = [];
  private readonly heard: string[] = [];
  private readonly maxBytes: number;
  private bytes = 0;
  private lastSpeechAtMs: number;

  constructor(
    private readonly sampleRateHz: number,
    private readonly settings: VoicemailSettings,
    startedAtMs: number,
  ) {
    this.maxBytes = Math.floor((settings.maxMs / 1000) * sampleRateHz) * 2;
    this.lastSpeechAtMs = startedAtMs;
  }

  /** Adds caller audio (linear16); false once the message has reached its longest. */
  add(pcm: Uint8Array, nowMs: number): boolean {
    const room = this.maxBytes - this.bytes;
    if (room <= 0) return false;
    const kept = pcm.length > room ? pcm.subarray(0, room) : pcm;
    this.chunks.push(kept.slice());
    this.bytes += kept.length;
    if (kept.length > 0 && rmsDbfs(int16View(kept)) > this.settings.speechDbfs) this.lastSpeechAtMs = nowMs;
    return this.bytes < this.maxBytes;
  }

  /** A final transcript of the caller's words. */
  hear(text: string): void {
    const trimmed = text.trim();
    if (trimmed) this.heard.push(trimmed);
  }

  /** How much longer silence must last to end the message; zero or less: it is over. */
  silenceLeftMs(nowMs: number): number {
    return this.settings.silenceMs - (nowMs - this.lastSpeechAtMs);
  }

  get durationMs(): number {
    return Math.round((this.bytes / 2 / this.sampleRateHz) * 1000);
  }

  get pcm(): Uint8Array {
    const all = new Uint8Array(this.bytes);
    let at = 0;
    for (const chunk of this.chunks) {
      all.set(chunk, at);
      at += chunk.length;
    }
    return all;
  }

  get transcript(): string {
    return this.heard.join(' ');
  }
}
