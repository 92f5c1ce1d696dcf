export interface QueuedSentence {
  readonly turnId: string;
  readonly text: string;
}

/**
 * The sentences waiting to be spoken on one call. Barge-in (the caller starts
 * talking over the agent) drops everything queued at once: the agent must
 * stop, not finish its paragraph.
 */
export class SpeechQueue {
  private readonly pending: QueuedSentence[] = [];
  spoken = 0;
  dropped = 0;

  enqueue(sentence: QueuedSentence): void {
    if (sentence.text.trim()) this.pending.push(sentence);
  }

  /** The next sentence to synthesise, if any. */
  next(): QueuedSentence | undefined {
    const sentence = this.pending.shift();
    if (sentence) this.spoken++;
    return sentence;
  }

  /** Barge-in: returns how many sentences were dropped. */
  interrupt(): number {
    const n = this.pending.length;
    this.pending.length = 0;
    this.dropped += n;
    return n;
  }

  get length(): number {
    return this.pending.length;
  }
}
