import { parseKnowledge } from '@voiceagent/knowledge';
import { describe, expect, it } from 'vitest';
import { checkContactFlow, comparedValues, parseContactFlow, type ContactFlow, type FlowAction } from '../src/contact-flow';
import { readWorkspaceFile } from '../src/workspace';

const FLOW = 'infra/connect/voice-agent-routing.json';
const flow = parseContactFlow(readWorkspaceFile(FLOW));
const actionOf = (type: string): FlowAction | undefined => flow.Actions.find((action) => action.Type === type);
const byId = new Map(flow.Actions.map((action) => [action.Identifier, action]));
/** The action types met going on from `id` by NextAction alone, until the flow ends or branches on a comparison. */
const straightOn = (id: string | undefined): string[] => {
  const types: string[] = [];
  for (let action = id === undefined ? undefined : byId.get(id); action && types.length < flow.Actions.length; action = byId.get(action.Transitions.NextAction ?? '')) {
    types.push(action.Type);
    if (action.Type === 'Compare' || action.Type === 'TransferParticipantToThirdParty') break;
  }
  return types;
};
/** Where a Compare on the voiceagent_route attribute sends a call of `route`. */
const branchFor = (compare: FlowAction | undefined, route: string): string | undefined =>
  compare?.Transitions.Conditions?.find((c) => c.Condition.Operands.includes(route))?.NextAction ?? compare?.Transitions.NextAction;

describe(`the example Amazon Connect flow (${FLOW})`, () => {
  it('parses, and every transition lands on an action it defines, every action being reachable', () => {
    expect(flow.Actions.length).toBeGreaterThan(10);
    expect(checkContactFlow(flow)).toEqual([]);
  });

  it('routes like the gateway: hours first, then the VIP numbers of the example knowledge file, then the voice agent over SIP', () => {
    const hours = actionOf('CheckHoursOfOperation')!;
    const open = hours.Transitions.Conditions?.find((c) => c.Condition.Operands[0] === 'True')?.NextAction;
    const vipCheck = flow.Actions.find((a) => a.Identifier === open);
    expect(vipCheck).toMatchObject({ Type: 'Compare', Parameters: { ComparisonValue: '$.CustomerEndpoint.Address' } });

    const knowledge = parseKnowledge(readWorkspaceFile('examples/knowledge.yaml'), 'examples/knowledge.yaml');
    expect(comparedValues(flow, '$.CustomerEndpoint.Address').sort()).toEqual(knowledge.vipCallers.map((vip) => vip.number).sort());

    expect(actionOf('TransferParticipantToThirdParty')?.Parameters).toMatchObject({ VoiceConnector: { VoiceConnectorType: 'ChimeConnector', FromUser: '$.CustomerEndpoint.Address' } });
  });

  it('sends closed calls to the voice agent over the same SIP transfer as open ones, marked voicemail, for the gateway to take the message', () => {
    const transfers = flow.Actions.filter((action) => action.Type === 'TransferParticipantToThirdParty');
    expect(transfers.map((action) => action.Identifier)).toEqual(['Hand the call to the voice agent']);
    const hours = actionOf('CheckHoursOfOperation')!;
    const closed = hours.Transitions.Conditions?.find((c) => c.Condition.Operands[0] === 'False')?.NextAction;
    expect(straightOn(closed)).toEqual(['UpdateContactAttributes', 'TransferParticipantToThirdParty']);
    expect(byId.get(closed!)?.Parameters).toEqual({ Attributes: { voiceagent_route: 'voicemail' } });
    expect(straightOn(byId.get('Check for a VIP caller')?.Transitions.NextAction)).toEqual(['UpdateContactAttributes', 'TransferParticipantToThirdParty']);
  });

  it('after the voice agent, or when it cannot be reached, puts open calls through to the front desk and ends closed ones', () => {
    const transfer = actionOf('TransferParticipantToThirdParty')!;
    const exits = [transfer.Transitions.NextAction, ...(transfer.Transitions.Errors ?? []).map((error) => error.NextAction)];
    for (const exit of new Set(exits)) {
      const compare = byId.get(exit!);
      expect(compare?.Parameters).toEqual({ ComparisonValue: '$.Attributes.voiceagent_route' });
      const closedCall = straightOn(branchFor(compare, 'voicemail'));
      expect(closedCall.at(-1)).toBe('DisconnectParticipant');
      expect(closedCall).not.toContain('TransferContactToQueue');
      expect(straightOn(branchFor(compare, 'ai_session'))).toContain('TransferContactToQueue');
    }
  });

  it('uses nothing the gateway does not serve: no media streaming to Kinesis Video Streams, no Lambda posting to a session API', () => {
    const types = flow.Actions.map((action) => action.Type);
    expect(types).not.toContain('UpdateContactMediaStreamingBehavior');
    expect(types).not.toContain('InvokeLambdaFunction');
    expect(readWorkspaceFile(FLOW)).not.toMatch(/arn:aws:lambda|dg_/);
  });

  it('names in its README every placeholder to replace before importing it', () => {
    const readme = readWorkspaceFile('infra/connect/README.md');
    const placeholders = [...new Set(readWorkspaceFile(FLOW).match(/EXAMPLE-[A-Z-]+|111122223333/g))];
    expect(placeholders.length).toBeGreaterThan(3);
    for (const placeholder of placeholders) expect(readme, placeholder).toContain(placeholder);
  });
});

describe('contact flow checks catch mistakes', () => {
  const action = (Identifier: string, Type: string, Transitions: FlowAction['Transitions'] = {}, Parameters: Record<string, unknown> = {}): FlowAction => ({ Identifier, Type, Parameters, Transitions });
  const to = (NextAction: string) => ({ NextAction, Errors: [], Conditions: [] });
  const when = (operand: string, NextAction: string) => ({ NextAction, Condition: { Operator: 'Equals', Operands: [operand] } });
  const sound: ContactFlow = {
    Version: '2019-10-30',
    StartAction: 'Hours',
    Actions: [
      action('Hours', 'CheckHoursOfOperation', { Errors: [{ NextAction: 'Bye', ErrorType: 'NoMatchingError' }], Conditions: [when('True', 'Hello'), when('False', 'Bye')] }),
      action('Hello', 'MessageParticipant', to('Bye'), { Text: 'Hello.' }),
      action('Bye', 'DisconnectParticipant'),
    ],
  };

  it('accepts a sound flow', () => {
    expect(checkContactFlow(sound)).toEqual([]);
  });

  it('reports dangling transitions, unreachable and duplicate actions, unknown types and bad identifiers', () => {
    const broken: ContactFlow = {
      ...sound,
      Version: '2020-01-01',
      StartAction: 'Hours',
      Metadata: { ActionMetadata: { Gone: {} } },
      Actions: [
        ...sound.Actions.map((a) => (a.Identifier === 'Hello' ? action('Hello', 'MessageParticipant', to('Nowhere')) : a)),
        action('Orphan', 'PlayPrompt', to('Bye')),
        action('Bye', 'DisconnectParticipant'),
        action('a:b', 'MessageParticipant', to('Bye')),
        action('Stuck', 'MessageParticipant'),
        action('Loud end', 'DisconnectParticipant', to('Bye')),
      ],
    };
    expect(checkContactFlow(broken)).toEqual(
      expect.arrayContaining([
        'Version is "2020-01-01", not "2019-10-30"',
        'action "Hello" goes to "Nowhere" (NextAction), which the flow does not define',
        'action "Orphan": unknown Type "PlayPrompt"',
        'action "Orphan" cannot be reached from the StartAction',
        'two actions are named "Bye"',
        'action "a:b": an Identifier may not contain any of % : ( \\ / ) = $ , ; [ ] { }',
        'action "Stuck": a MessageParticipant needs somewhere to go next',
        'action "Loud end": a DisconnectParticipant goes nowhere after it, but has transitions',
        'Metadata.ActionMetadata names "Gone", which is not an action of the flow',
      ]),
    );
    expect(checkContactFlow({ ...sound, StartAction: 'Missing' })).toContain('StartAction "Missing" is not an action of the flow');
  });

  it('holds the flow-language rules of the actions it uses', () => {
    const rules: ContactFlow = {
      ...sound,
      Actions: [
        action('Hours', 'CheckHoursOfOperation', { Conditions: [when('True', 'Lambda')] }),
        action('Lambda', 'InvokeLambdaFunction', to('Queue'), { LambdaFunctionARN: 'arn:aws:lambda:us-east-1:111122223333:function:f', InvocationTimeLimitSeconds: '9' }),
        action('Queue', 'UpdateContactTargetQueue', to('Stream')),
        action('Stream', 'UpdateContactMediaStreamingBehavior', to('Bye'), { MediaStreamingState: 'On' }),
        action('Bye', 'DisconnectParticipant'),
      ],
    };
    expect(checkContactFlow(rules)).toEqual([
      'action "Hours": CheckHoursOfOperation needs exactly the conditions True and False',
      'action "Lambda": InvocationTimeLimitSeconds must be more than 0 and at most 8',
      'action "Queue": UpdateContactTargetQueue needs a QueueId or an AgentId',
      'action "Stream": UpdateContactMediaStreamingBehavior needs MediaStreamingState Enabled or Disabled, MediaStreamType Audio and Participants',
    ]);
  });

  it('refuses what is not a flow, with the reason', () => {
    expect(() => parseContactFlow('{')).toThrow(SyntaxError);
    expect(() => parseContactFlow('[]')).toThrow('a contact flow is a JSON object');
    expect(() => parseContactFlow('{"StartAction":"a"}')).toThrow('a contact flow needs an Actions list');
    expect(() => parseContactFlow('{"StartAction":"a","Actions":[{"Identifier":"a"}]}')).toThrow('Actions[0] needs an Identifier and a Type');
    expect(() => parseContactFlow('{"StartAction":"a","Actions":[{"Identifier":"a","Type":"Compare"}]}')).toThrow('action "a" needs a Transitions object');
  });
});
