import { escalation } from '@voiceagent/contracts';
import { escalationClient, type EscalationClient } from '@voiceagent/rpc';
import type { EscalationPort, HandoffRequest } from '../ports/escalation';

/** EscalationService over gRPC (ESCALATION_ADDRESS). */
export class GrpcEscalation implements EscalationPort {
  private readonly client: EscalationClient;

  constructor(address: string) {
    this.client = escalationClient(address);
  }

  async handoff(request: HandoffRequest): Promise<string> {
    const handoff = await this.client.createHandoff({
      callId: request.callId,
      callerNumber: request.callerNumber,
      reason: request.reason,
      summary: request.summary,
      targetName: request.targetId,
      transcript: request.transcript.map((line) => ({
        speaker: line.speaker === 'caller' ? escalation.Speaker.SPEAKER_CALLER : escalation.Speaker.SPEAKER_AGENT,
        text: line.text,
      })),
    });
    return handoff.id;
  }

  close(): void {
    this.client.close();
  }
}
