/** Fixed phrases at one call's rate, from a cache shared by every call. */
export interface PhraseAudio {
  /** The cached audio, or undefined on a miss (never synthesizes). */
  lookup(text: string): Uint8Array | undefined;
  /** Synthesizes the phrase and keeps it for the next call; resolves to whole 20 ms frames. */
  render(text: string): Promise<Uint8Array>;
}
