/** The stages of a caller turn, in order: caller stops talking → agent audio leaves for the caller. */
export const TURN_STAGES = ['listener', 'brain', 'speaker', 'media'] as const;
export type TurnStageName = (typeof TURN_STAGES)[number];

/**
 * The latency budget of one turn (DESIGN.md, "Latency budget"), in ms: the
 * listener locks the final transcript, the brain picks a tool and writes the
 * first sentence, the speaker makes the first audio, media sends it (network
 * and playout buffer); what is left of the total is spare. The listener's
 * share counts from the end of the pause that ends a turn (TURN_SILENCE_MS):
 * that pause is how "stopped talking" is known, a setting, not work; the
 * total counts it.
 */
export const TURN_BUDGET_MS = {
  listener: 100,
  brain: 400,
  speaker: 200,
  media: 150,
  total: 1000,
} as const satisfies Record<TurnStageName | 'total', number>;

/** Span names of the stages, each a child of the turn's span. */
export const STAGE_SPAN_NAMES = {
  listener: 'listener.final_transcript',
  brain: 'brain.decide',
  speaker: 'speaker.first_audio',
  media: 'media.first_packet',
} as const satisfies Record<TurnStageName, string>;

export const TURN_SPAN_NAME = 'turn';

/** A part of the budget that a turn used up, and by how much it went over. */
export interface BudgetOverrun {
  readonly stage: TurnStageName | 'total';
  readonly ms: number;
  readonly budgetMs: number;
}

/**
 * Every stage over its share, and the total if over: what a turn is checked
 * for. `stageMs` are the stages' spans; `endpointingMs` the pause the listener
 * waited out, which its share does not count.
 */
export function budgetOverruns(stageMs: Readonly<Record<TurnStageName, number>>, totalMs: number, endpointingMs: number): BudgetOverrun[] {
  const charged: Record<TurnStageName, number> = { ...stageMs, listener: Math.max(0, stageMs.listener - endpointingMs) };
  const overruns: BudgetOverrun[] = TURN_STAGES.filter((stage) => charged[stage] > TURN_BUDGET_MS[stage]).map((stage) => ({
    stage,
    ms: charged[stage],
    budgetMs: TURN_BUDGET_MS[stage],
  }));
  if (totalMs > TURN_BUDGET_MS.total) overruns.push({ stage: 'total', ms: totalMs, budgetMs: TURN_BUDGET_MS.total });
  return overruns;
}
