import { escalationClient, type EscalationClient } from '@voiceagent/rpc';
import type { VoicemailBox, VoicemailMessage } from '../ports/voicemail-box';

/** Two minutes of 8 kHz audio is about 2 MB: give the upload more than the default deadline. */
const STORE_TIMEOUT_MS = 15_000;

/** EscalationService StoreVoicemail over gRPC (ESCALATION_ADDRESS), which writes the WAV and notifies. */
export class GrpcVoicemailBox implements VoicemailBox {
  private readonly client: EscalationClient;

  constructor(address: string) {
    this.client = escalationClient(address, { timeoutMs: STORE_TIMEOUT_MS });
  }

  async store(message: VoicemailMessage): Promise<string> {
    const voicemail = await this.client.storeVoicemail(message);
    return voicemail.id;
  }

  close(): void {
    this.client.close();
  }
}
