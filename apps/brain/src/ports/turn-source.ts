/** Finalized caller turns of one call. */
export interface TurnSource {
  follow(callId: string, onTurn: (turn: { turnId: string; text: string; finalizedAt?: Date | undefined }) => void): () => void;
}
