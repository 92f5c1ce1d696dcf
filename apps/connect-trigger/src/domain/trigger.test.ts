import { describe, expect, it } from 'vitest';
import { dgParamsFromAttributes, splitUnescaped } from './dg-params';
import { startSessionFromEvent } from './contact-flow-event';
import { triggerSession } from './trigger';
import type { StartSessionCommand } from './contact-flow-event';

const event = (attributes: Record<string, string> | null, audio: object | null = { StreamARN: 'arn:aws:kinesisvideo:eu-west-2:111:stream/alias-contact-abc/1700000000000', StartFragmentNumber: '9134385233318150666908441974911476730' }) => ({
  Name: 'ContactFlowEvent',
  Details: {
    ContactData: { ContactId: 'c-123', Attributes: attributes, CustomerEndpoint: { Address: '+447700900123', Type: 'TELEPHONE_NUMBER' }, MediaStreams: { Customer: { Audio: audio } } },
    Parameters: {},
  },
});

describe('dg_* contact attributes', () => {
  it('splits on unescaped spaces exactly as Deepgram\'s trigger does', () => {
    const tag = String.raw`someTag1 some\ multi\ word\ tag some\\\ Tag2 some\Tag3 some\\\Tag4 some\\\\Tag5`;
    expect(splitUnescaped(tag)).toEqual(['someTag1', 'some multi word tag', String.raw`some\ Tag2`, String.raw`some\Tag3`, String.raw`some\\Tag4`, String.raw`some\\Tag5`]);
    expect(dgParamsFromAttributes({ dg_tag: tag }, 'c')['tag']).toHaveLength(7);
  });

  it('strips the prefix, skips UNSET and foreign keys, substitutes {contact-id}, always tags', () => {
    expect(dgParamsFromAttributes({ dg_model: ' nova-3 ', dg_language: 'UNSET', other: 'x', dg_callback: 'https://example.com/hook/{contact-id}/t' }, 'c-9')).toEqual({
      model: ['nova-3'],
      callback: ['https://example.com/hook/c-9/t'],
      tag: ['dg_amazonconnect'],
    });
    expect(dgParamsFromAttributes(null, 'c')).toEqual({ tag: ['dg_amazonconnect'] });
  });

  it('refuses more than one callback', () => {
    expect(() => dgParamsFromAttributes({ dg_callback: 'https://a https://b' }, 'c')).toThrow('More than one callback provided');
  });
});

describe('contact flow event', () => {
  it('becomes a session request with the KVS stream and enforceRealtime', () => {
    const command = startSessionFromEvent(event({ dg_model: 'nova-3', dgintegrator_enforcerealtime: 'true' }));
    expect(command).toMatchObject({ contactId: 'c-123', enforceRealtime: true, callerNumber: '+447700900123', kvsStream: { startFragmentNumber: '9134385233318150666908441974911476730' } });
  });

  it('explains what is wrong with a bad event', () => {
    expect(() => startSessionFromEvent({ Name: 'Other' })).toThrow(/ContactFlowEvent/);
    expect(() => startSessionFromEvent(event({}, null))).toThrow(/media streaming was not started/);
  });

  it('reports success or failure to the contact flow and never throws', async () => {
    const started: StartSessionCommand[] = [];
    const api = { start: async (c: StartSessionCommand) => void started.push(c) };
    const quiet = () => undefined;
    expect(await triggerSession(event({}), api, quiet)).toEqual({ lambdaResult: 'success' });
    expect(started).toHaveLength(1);
    expect(await triggerSession('garbage', api, quiet)).toMatchObject({ lambdaResult: 'fail' });
    const down = { start: async () => { throw new Error('session API answered 503'); } };
    expect(await triggerSession(event({}), down, quiet)).toEqual({ lambdaResult: 'fail', reason: 'session API answered 503' });
  });
});
