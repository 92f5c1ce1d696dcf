import type { KnowledgeSource } from '@voiceagent/knowledge';
import type { EscalationStore, Recordings } from '../ports/escalation-store';
import {
  handoffNotification,
  listLimit,
  planHandoff,
  planVoicemail,
  voicemailNotification,
  type HandoffInput,
  type HandoffView,
  type VoicemailInput,
  type VoicemailView,
} from './escalation';

/** The use cases of EscalationService over its ports. */
export class EscalationDesk {
  constructor(
    private readonly store: EscalationStore,
    private readonly recordings: Recordings,
    private readonly knowledge: KnowledgeSource,
    private readonly newId: () => string,
  ) {}

  async createHandoff(input: HandoffInput): Promise<HandoffView> {
    const handoff = planHandoff(input, this.knowledge.current(), this.newId());
    return this.store.createHandoff(handoff, handoffNotification(handoff));
  }

  listHandoffs(callerNumber: string, limit: number): Promise<HandoffView[]> {
    return this.store.listHandoffs(callerNumber.trim() || undefined, listLimit(limit));
  }

  async storeVoicemail(input: VoicemailInput): Promise<VoicemailView> {
    const id = this.newId();
    const voicemail = planVoicemail(input, id, this.recordings.pathFor(id));
    await this.recordings.write(voicemail.recordingPath, input.pcm, input.sampleRateHz);
    try {
      return await this.store.createVoicemail(voicemail, voicemailNotification(voicemail));
    } catch (error) {
      // No row points at the file: drop it rather than leave an orphan recording.
      await this.recordings.remove(voicemail.recordingPath).catch(() => undefined);
      throw error;
    }
  }

  listVoicemails(callerNumber: string, limit: number): Promise<VoicemailView[]> {
    return this.store.listVoicemails(callerNumber.trim() || undefined, listLimit(limit));
  }
}
