import { z } from 'zod';
import { dgParamsFromAttributes } from './dg-params';

/** The part of Amazon Connect's ContactFlowEvent this Lambda reads. */
const contactFlowEvent = z.object({
  Name: z.literal('ContactFlowEvent', { error: 'event is not a ContactFlowEvent' }),
  Details: z.object({
    ContactData: z.object({
      ContactId: z.string().min(1),
      Attributes: z.record(z.string(), z.string()).nullish(),
      CustomerEndpoint: z.object({ Address: z.string().optional() }).nullish(),
      MediaStreams: z.object({
        Customer: z.object({
          Audio: z
            .object({ StreamARN: z.string().startsWith('arn:', 'must be a Kinesis Video stream ARN'), StartFragmentNumber: z.string().min(1) })
            .nullable(),
        }),
      }),
    }),
  }),
});

export interface StartSessionCommand {
  readonly contactId: string;
  readonly kvsStream: { readonly arn: string; readonly startFragmentNumber: string };
  readonly dgParams: Record<string, string[]>;
  readonly enforceRealtime: boolean;
  readonly callerNumber: string;
}

export class InvalidContactFlowEvent extends Error {
  override readonly name = 'InvalidContactFlowEvent';
}

/** Validates a Connect event and turns it into a session request; throws with the reason when it cannot. */
export function startSessionFromEvent(event: unknown): StartSessionCommand {
  const parsed = contactFlowEvent.safeParse(event);
  if (!parsed.success) {
    throw new InvalidContactFlowEvent(parsed.error.issues.map((i) => `${i.path.join('.') || 'event'}: ${i.message}`).join('; '));
  }
  const data = parsed.data.Details.ContactData;
  const audio = data.MediaStreams.Customer.Audio;
  if (!audio) throw new InvalidContactFlowEvent('Details.ContactData.MediaStreams.Customer.Audio: media streaming was not started before this block');
  return {
    contactId: data.ContactId,
    kvsStream: { arn: audio.StreamARN, startFragmentNumber: audio.StartFragmentNumber },
    dgParams: dgParamsFromAttributes(data.Attributes, data.ContactId),
    enforceRealtime: data.Attributes?.['dgintegrator_enforcerealtime'] === 'true',
    callerNumber: data.CustomerEndpoint?.Address ?? '',
  };
}
