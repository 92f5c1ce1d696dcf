import { extractLiterals, facts, ungroundedLiterals, type Fact, type Knowledge } from '@voiceagent/knowledge';

/**
 * The never-invent guard. A reply may state a price, time, date, phone
 * number or amount only if its grounding states it: the facts it was built
 * from for answers, the booking service's own answer for booking read-backs.
 */

export type Grounding =
  | { readonly kind: 'facts'; readonly facts: readonly Fact[] }
  /** Phrases the booking port's answer produced ("Tuesday, December 2 at 3 pm"). */
  | { readonly kind: 'booking'; readonly phrases: readonly string[] };

export interface GuardVerdict {
  readonly ok: boolean;
  /** The literals nothing grounds, as written in the reply. */
  readonly invented: readonly string[];
}

export function keysOf(grounding: Grounding): Set<string> {
  if (grounding.kind === 'booking') return new Set(grounding.phrases.flatMap((phrase) => extractLiterals(phrase).flatMap((literal) => literal.keys)));
  return new Set(grounding.facts.flatMap((fact) => fact.values.flatMap((value) => value.keys)));
}

export function checkReply(reply: string, grounding: Grounding): GuardVerdict {
  const invented = ungroundedLiterals(reply, keysOf(grounding)).map((literal) => literal.text);
  return { ok: invented.length === 0, invented };
}

const factCache = new WeakMap<Knowledge, readonly Fact[]>();

/** The knowledge's facts, computed once per loaded knowledge (every turn needs them). */
export function factsOf(knowledge: Knowledge): readonly Fact[] {
  let list = factCache.get(knowledge);
  if (!list) factCache.set(knowledge, (list = facts(knowledge)));
  return list;
}
