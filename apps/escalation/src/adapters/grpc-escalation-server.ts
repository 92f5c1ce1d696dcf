import { status, type ServerErrorResponse, type handleUnaryCall } from '@grpc/grpc-js';
import { escalation } from '@voiceagent/contracts';
import type { TransferTarget } from '@voiceagent/knowledge';
import type { Logger } from '@voiceagent/telemetry';
import type { EscalationDesk } from '../domain/escalation-desk';
import type { HandoffView, Speaker, TranscriptLine, VoicemailView } from '../domain/escalation';
import { InvalidEscalationRequest } from '../domain/errors';

/** EscalationService handlers over the desk: proto in and out, domain errors to gRPC statuses. */
export function escalationHandlers(desk: EscalationDesk, logger: Logger): escalation.EscalationServiceServer {
  function unary<Req, Res>(method: string, run: (request: Req) => Promise<Res>): handleUnaryCall<Req, Res> {
    return (call, callback) => {
      run(call.request).then(
        (response) => callback(null, response),
        (error: unknown) => callback(toStatus(error, method, logger)),
      );
    };
  }
  return {
    createHandoff: unary('CreateHandoff', async (request: escalation.CreateHandoffRequest) => {
      const handoff = await desk.createHandoff({ ...request, transcript: request.transcript.map(fromLine) });
      logger.info({ handoffId: handoff.id, callId: handoff.callId, reason: handoff.reason, target: handoff.target.id }, 'handoff created');
      return { handoff: toHandoff(handoff) };
    }),
    listHandoffs: unary('ListHandoffs', async (request: escalation.ListHandoffsRequest) => ({
      handoffs: (await desk.listHandoffs(request.callerNumber, request.limit)).map(toHandoff),
    })),
    storeVoicemail: unary('StoreVoicemail', async (request: escalation.StoreVoicemailRequest) => {
      const voicemail = await desk.storeVoicemail(request);
      logger.info({ voicemailId: voicemail.id, callId: voicemail.callId, durationMs: voicemail.durationMs }, 'voicemail stored');
      return { voicemail: toVoicemail(voicemail) };
    }),
    listVoicemails: unary('ListVoicemails', async (request: escalation.ListVoicemailsRequest) => ({
      voicemails: (await desk.listVoicemails(request.callerNumber, request.limit)).map(toVoicemail),
    })),
  };
}

function toStatus(error: unknown, method: string, logger: Logger): ServerErrorResponse {
  if (error instanceof InvalidEscalationRequest) {
    return Object.assign(new Error(error.message), { code: status.INVALID_ARGUMENT, details: error.message });
  }
  // Database or bug: the details stay in the log, not on the wire.
  logger.error({ err: error, method }, 'escalation request failed');
  return Object.assign(new Error('internal error'), { code: status.INTERNAL, details: 'internal error' });
}

const SPEAKER_IN: Record<number, Speaker> = { [escalation.Speaker.SPEAKER_CALLER]: 'caller', [escalation.Speaker.SPEAKER_AGENT]: 'agent' };
const SPEAKER_OUT: Record<Speaker, escalation.Speaker> = {
  caller: escalation.Speaker.SPEAKER_CALLER,
  agent: escalation.Speaker.SPEAKER_AGENT,
  system: escalation.Speaker.SPEAKER_UNSPECIFIED,
};

// Lines without a time keep the order they came in at the moment they arrived.
const fromLine = (line: escalation.TranscriptLine): TranscriptLine => ({ speaker: SPEAKER_IN[line.speaker] ?? 'system', text: line.text, at: line.time ?? new Date() });

function toTarget(target: TransferTarget): escalation.TransferTarget {
  const address: escalation.TransferTarget['address'] =
    target.kind === 'sip'
      ? { $case: 'sipUri', sipUri: target.address }
      : target.kind === 'phone'
        ? { $case: 'phoneNumber', phoneNumber: target.address }
        : { $case: 'connectQueue', connectQueue: target.address };
  return { name: target.name ?? target.id, address };
}

const toHandoff = (handoff: HandoffView): escalation.Handoff => ({
  id: handoff.id,
  callId: handoff.callId,
  callerNumber: handoff.callerNumber ?? '',
  reason: handoff.reason,
  transcript: handoff.transcript.map((line) => ({ speaker: SPEAKER_OUT[line.speaker], text: line.text, time: line.at })),
  summary: handoff.summary,
  target: toTarget(handoff.target),
  createdAt: handoff.createdAt,
});

const toVoicemail = (voicemail: VoicemailView): escalation.Voicemail => ({
  id: voicemail.id,
  callId: voicemail.callId,
  callerNumber: voicemail.callerNumber ?? '',
  recordingPath: voicemail.recordingPath,
  durationMs: voicemail.durationMs,
  transcript: voicemail.transcript ?? '',
  createdAt: voicemail.createdAt,
});
