import type { ToolDecision } from '@voiceagent/contracts';

export interface AgentSentence {
  readonly turnId: string;
  readonly sentenceIndex: number;
  readonly text: string;
  readonly final: boolean;
  readonly decision?: ToolDecision;
  readonly cacheKey?: string;
}

export type CallCommand =
  | { readonly kind: 'transfer'; readonly target: string; readonly reason: string }
  | { readonly kind: 'hangup'; readonly reason: string };

/** Where one call's replies and call commands go (`call.{id}.turn.agent`, `call.{id}.control`). */
export interface AgentOutput {
  say(sentence: AgentSentence): void;
  command(command: CallCommand): void;
  /** Resolves once the reply just said has been played to the caller (or a best estimate of it). */
  playedOut(text: string): Promise<void>;
}
