import type { Knowledge } from '../domain/model';
import type { KnowledgeError } from '../domain/problems';

/** The knowledge currently in force, and news when it changes (a reloaded file). */
export interface KnowledgeSource {
  /** The last knowledge that validated; never a half-valid one. */
  current(): Knowledge;
  /** Called with each new valid knowledge. Returns a function that removes the listener. */
  onChange(listener: (knowledge: Knowledge) => void): () => void;
}

/** Called when a reload is refused; the previous knowledge stays in force. */
export type KnowledgeProblemsListener = (error: KnowledgeError) => void;
