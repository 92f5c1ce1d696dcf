/**
 * Accounts for a stream of sequenced frames: how many arrived, how many went
 * missing (gaps in the sequence), how many came late or twice. Sequence
 * numbers are uint32 and wrap.
 */
export class FrameSequence {
  private highest: number | undefined;
  received = 0;
  lost = 0;
  late = 0;

  /** Returns false for a frame older than the newest one seen (late or duplicate). */
  accept(sequence: number): boolean {
    this.received++;
    if (this.highest === undefined) {
      this.highest = sequence;
      return true;
    }
    const ahead = (sequence - this.highest) >>> 0;
    if (ahead === 0 || ahead > 0x7fffffff) {
      // Not newer: it was counted as lost when the gap opened; now it is late.
      this.late++;
      if (ahead !== 0 && this.lost > 0) this.lost--;
      return false;
    }
    this.lost += ahead - 1;
    this.highest = sequence;
    return true;
  }

  /** Share of expected frames that never arrived. */
  lossRatio(): number {
    const expected = this.received - this.late + this.lost;
    return expected === 0 ? 0 : this.lost / expected;
  }

  summary(): { received: number; lost: number; late: number; lossRatio: number } {
    return { received: this.received, lost: this.lost, late: this.late, lossRatio: this.lossRatio() };
  }
}
