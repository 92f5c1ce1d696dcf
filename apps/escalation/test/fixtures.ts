import { escalation } from '@voiceagent/contracts';
import { parseKnowledge, type Knowledge } from '@voiceagent/knowledge';

/** A small office with a default desk, a billing line for "billing" and a named manager. */
export function officeYaml(): string {
  return `version: 1
business:
  name: Corner Office
  timezone: America/Chicago
hours:
  monday: 09:00-17:00
transfer:
  default: desk
  targets:
    desk:
      name: front desk
      sip: sip:desk@pbx.example.com
    billing:
      phone: "+13125550111"
    manager:
      name: the manager
      connect_queue: managers
  reasons:
    billing: billing
messages:
  greeting: Hello, {business}.
  closed: We are closed; we open {next_opening}.
  voicemail: Leave a message.
  transfer: Transferring you.
  goodbye: Bye.
  fallback: I am not sure.
`;
}

export const office = (): Knowledge => parseKnowledge(officeYaml(), 'office.yaml');

export const handoffRequest = (extra: Partial<escalation.CreateHandoffRequest> = {}): escalation.CreateHandoffRequest => ({
  callId: 'call-1',
  callerNumber: '+13125550100',
  reason: 'complaint',
  transcript: [
    { speaker: escalation.Speaker.SPEAKER_CALLER, text: 'I want to talk to a person.', time: new Date('2025-07-01T15:00:00Z') },
    { speaker: escalation.Speaker.SPEAKER_AGENT, text: 'Let me transfer you.', time: new Date('2025-07-01T15:00:05Z') },
  ],
  summary: 'Caller unhappy with last visit.',
  targetName: '',
  ...extra,
});
