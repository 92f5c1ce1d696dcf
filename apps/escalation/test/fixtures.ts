import { credentials, type ServiceError } from '@grpc/grpc-js';
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

type Unary<Req, Res> = (request: Req) => Promise<Res>;

/** A promise-shaped EscalationService client over the generated one (tests only). */
export function testClient(address: string) {
  const client = new escalation.EscalationServiceClient(address, credentials.createInsecure());
  const deadline = () => new Date(Date.now() + 10_000);
  const wrap =
    <Req, Res>(method: (request: Req, options: { deadline: Date }, callback: (error: ServiceError | null, response: Res) => void) => unknown): Unary<Req, Res> =>
    (request) =>
      new Promise<Res>((resolve, reject) => {
        method.call(client, request, { deadline: deadline() }, (error, response) => (error ? reject(error) : resolve(response)));
      });
  return {
    createHandoff: wrap<escalation.CreateHandoffRequest, escalation.CreateHandoffResponse>(client.createHandoff),
    listHandoffs: wrap<escalation.ListHandoffsRequest, escalation.ListHandoffsResponse>(client.listHandoffs),
    storeVoicemail: wrap<escalation.StoreVoicemailRequest, escalation.StoreVoicemailResponse>(client.storeVoicemail),
    listVoicemails: wrap<escalation.ListVoicemailsRequest, escalation.ListVoicemailsResponse>(client.listVoicemails),
    close: () => client.close(),
  };
}

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
