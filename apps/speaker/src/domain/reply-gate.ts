/** What the gate needs to know of an incoming agent sentence. */
export interface GateSentence {
  readonly turnId: string;
  readonly sentenceIndex: number;
  readonly final: boolean;
}

export type GateVerdict =
  | { readonly kind: 'drop'; readonly reason: 'interrupted' }
  | {
      readonly kind: 'speak';
      /** The reply this sentence belongs to (numbered by the gate, per call). */
      readonly replyId: number;
      /** The sentence opens a new reply. */
      readonly opened: boolean;
      /** A reply that was still open and is replaced by this one (it never got its final sentence). */
      readonly superseded: number | undefined;
      /** The sentence closes its reply. */
      readonly final: boolean;
    };

/** Interrupted turns remembered per call; older ones have long stopped sending. */
const MAX_INTERRUPTED = 8;

/**
 * Which sentences of one call are spoken, and which reply each belongs to.
 * A reply runs from a sentence that opens it (a new turn id, or sentence 0)
 * to its final sentence. Barge-in interrupts the open reply: the brain may
 * still be writing it, and none of the rest may be spoken, while a reply to
 * another turn speaks normally. Turn ids are opaque (the greeting and fixed
 * phrases have none), so a later sentence 0 with an interrupted id is a new
 * reply, not the rest of the old one.
 */
export class ReplyGate {
  private open: { readonly id: number; readonly turnId: string } | undefined;
  private readonly interrupted: string[] = [];
  private nextId = 1;

  accept(sentence: GateSentence): GateVerdict {
    const { turnId, sentenceIndex, final } = sentence;
    const at = this.interrupted.indexOf(turnId);
    if (at >= 0) {
      if (sentenceIndex > 0) {
        if (final) this.interrupted.splice(at, 1); // that reply is over
        return { kind: 'drop', reason: 'interrupted' };
      }
      this.interrupted.splice(at, 1);
    }
    let superseded: number | undefined;
    let opened = false;
    if (!this.open || this.open.turnId !== turnId || sentenceIndex === 0) {
      superseded = this.open?.id;
      this.open = { id: this.nextId++, turnId };
      opened = true;
    }
    const replyId = this.open.id;
    if (final) this.open = undefined;
    return { kind: 'speak', replyId, opened, superseded, final };
  }

  /** The caller started speaking: returns the open reply it interrupts, if any. */
  bargeIn(): number | undefined {
    const open = this.open;
    if (!open) return undefined;
    this.open = undefined;
    this.interrupted.push(open.turnId);
    if (this.interrupted.length > MAX_INTERRUPTED) this.interrupted.shift();
    return open.id;
  }

  /** The reply receiving sentences now. */
  get openReply(): number | undefined {
    return this.open?.id;
  }
}
