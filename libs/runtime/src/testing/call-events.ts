import { CallChannel, EndReason, type CallEvent } from '@voiceagent/contracts';

export function callStarted(callId: string, caller = '+15550100'): CallEvent {
  return {
    callId,
    time: new Date(),
    event: { $case: 'started', started: { channel: CallChannel.CALL_CHANNEL_SIP, caller, called: 'agent', sipHeaders: {}, sampleRateHz: 8000, contactId: '' } },
  };
}

export function callEnded(callId: string): CallEvent {
  return { callId, time: new Date(), event: { $case: 'ended', ended: { reason: EndReason.END_REASON_CALLER_HANGUP, detail: 'BYE', durationMs: 1000 } } };
}
