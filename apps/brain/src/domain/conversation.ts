export interface Turn {
  readonly speaker: 'caller' | 'agent';
  readonly text: string;
  readonly at: Date;
}

/**
 * One call's dialogue as the brain sees it. The four-tool policy decides on
 * top of this; for now it records the caller's finalized turns in order.
 */
export class Conversation {
  private readonly turns: Turn[] = [];

  constructor(
    readonly callId: string,
    readonly callerNumber: string,
    private readonly maxTurns = 200,
  ) {}

  hear(text: string, at: Date): Turn | undefined {
    const trimmed = text.trim();
    if (!trimmed) return undefined;
    const turn: Turn = { speaker: 'caller', text: trimmed, at };
    this.turns.push(turn);
    // A runaway call must not grow memory without bound.
    if (this.turns.length > this.maxTurns) this.turns.shift();
    return turn;
  }

  transcript(): readonly Turn[] {
    return this.turns;
  }
}
