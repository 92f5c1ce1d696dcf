import type { OverlapVerdict } from '../domain/barge-in-guard';

/** How one caller turn's time was spent. */
export interface TurnTiming {
  readonly turnId: string;
  readonly chars: number;
  /** Wall clock of the caller's last speech sample, ms since the epoch. */
  readonly speechEndedAtMs: number;
  /** Pause the turn detector waited for after the last speech, ms of audio. */
  readonly endpointingMs: number;
  /** From the capture of the audio that ended the turn to the turn being published, wall ms: recognition and queueing. */
  readonly asrLagMs: number;
  /** From the caller's last speech sample to the turn being published, wall ms. */
  readonly totalMs: number;
  readonly interruptedAgent: boolean;
}

/** What the caller said over the agent, and what the guard made of it. */
export interface OverlapReport {
  readonly verdict: OverlapVerdict;
  readonly text: string;
  readonly speechMs: number;
  readonly callerPeakDbfs: number;
  readonly agentPeakDbfs: number;
}

/** Watches one call's turns (traces and logs) without changing them. */
export interface TurnObserver {
  /** Runs `publish` (which publishes the turn) inside the turn's trace span, so the reply's span is its child. */
  userTurn(timing: TurnTiming, publish: () => void): void;
  /** The caller interrupted the agent; `late` when only the settled transcript showed it. */
  bargeIn(report: OverlapReport & { readonly late: boolean }): void;
  /** Speech heard over the agent that did not become a turn. */
  ignored(report: OverlapReport): void;
  problem(message: string, error?: unknown): void;
}
