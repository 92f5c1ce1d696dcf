/**
 * Static checks of an Amazon Connect flow in the flow language (the JSON that
 * Connect imports and exports, Version "2019-10-30"): every transition lands
 * on an action the flow defines, every action can be reached, and the rules
 * the flow-language reference states for the actions used here hold.
 */

export interface FlowCondition {
  readonly NextAction: string;
  readonly Condition: { readonly Operator: string; readonly Operands: readonly string[] };
}

export interface FlowError {
  readonly NextAction: string;
  readonly ErrorType: string;
}

export interface FlowAction {
  readonly Identifier: string;
  readonly Type: string;
  readonly Parameters?: Record<string, unknown>;
  readonly Transitions: {
    readonly NextAction?: string;
    readonly Errors?: readonly FlowError[];
    readonly Conditions?: readonly FlowCondition[];
  };
}

export interface ContactFlow {
  readonly Version: string;
  readonly StartAction: string;
  readonly Metadata?: { readonly ActionMetadata?: Record<string, unknown> };
  readonly Actions: readonly FlowAction[];
}

export const FLOW_LANGUAGE_VERSION = '2019-10-30';

/** Action types of the flow language (Amazon Connect API reference, "Flow language actions"). */
export const FLOW_ACTION_TYPES: ReadonlySet<string> = new Set([
  'CheckHoursOfOperation', 'CheckMetricData', 'Compare', 'ConnectParticipantWithLexBot', 'CreateCallbackContact', 'CreateTask',
  'DisconnectParticipant', 'DistributeByPercentage', 'EndFlowExecution', 'GetParticipantInput', 'InvokeFlowModule', 'InvokeLambdaFunction',
  'Loop', 'MessageParticipant', 'MessageParticipantIteratively', 'TransferContactToQueue', 'TransferParticipantToThirdParty', 'TransferToFlow',
  'UpdateContactAttributes', 'UpdateContactCallbackNumber', 'UpdateContactData', 'UpdateContactEventHooks', 'UpdateContactMediaStreamingBehavior',
  'UpdateContactRecordingBehavior', 'UpdateContactRoutingBehavior', 'UpdateContactTargetQueue', 'UpdateContactTextToSpeechVoice',
  'UpdateFlowLoggingBehavior', 'UpdatePreviousContactParticipantState', 'Wait',
]);

/** Actions after which the flow goes nowhere. */
const TERMINAL_TYPES = new Set(['DisconnectParticipant', 'EndFlowExecution']);

/** Characters the flow language does not allow in an Identifier. */
const FORBIDDEN_IDENTIFIER = /[%:(\\/)=$,;[\]{}]/;
const MAX_IDENTIFIER = 50;
const MAX_LAMBDA_SECONDS = 8;

/** Parses a flow file: JSON with the flow language's top-level shape; throws with the reason otherwise. */
export function parseContactFlow(text: string): ContactFlow {
  const value: unknown = JSON.parse(text);
  const flow = value as Partial<ContactFlow> | null;
  if (!flow || typeof flow !== 'object' || Array.isArray(flow)) throw new Error('a contact flow is a JSON object');
  if (typeof flow.StartAction !== 'string') throw new Error('a contact flow needs a StartAction');
  if (!Array.isArray(flow.Actions)) throw new Error('a contact flow needs an Actions list');
  for (const [i, action] of flow.Actions.entries()) {
    const candidate = action as Partial<FlowAction> | null;
    if (!candidate || typeof candidate !== 'object' || typeof candidate.Identifier !== 'string' || typeof candidate.Type !== 'string') {
      throw new Error(`Actions[${i}] needs an Identifier and a Type`);
    }
    if (!candidate.Transitions || typeof candidate.Transitions !== 'object') throw new Error(`action "${candidate.Identifier}" needs a Transitions object`);
  }
  return flow as ContactFlow;
}

/** Every action an action can go to next, with where in the action it is named. */
export function transitionsOf(action: FlowAction): Array<{ readonly target: string; readonly via: string }> {
  const { NextAction, Errors = [], Conditions = [] } = action.Transitions;
  return [
    ...(NextAction !== undefined ? [{ target: NextAction, via: 'NextAction' }] : []),
    ...Errors.map((error) => ({ target: error.NextAction, via: `error ${error.ErrorType}` })),
    ...Conditions.map((condition) => ({ target: condition.NextAction, via: `condition ${condition.Condition.Operator} ${condition.Condition.Operands.join(',')}` })),
  ];
}

/** Every problem found in a parsed flow; empty when it is sound. */
export function checkContactFlow(flow: ContactFlow): string[] {
  const problems: string[] = [];
  if (flow.Version !== FLOW_LANGUAGE_VERSION) problems.push(`Version is "${flow.Version}", not "${FLOW_LANGUAGE_VERSION}"`);
  const byId = new Map<string, FlowAction>();
  for (const action of flow.Actions) {
    const id = action.Identifier;
    if (byId.has(id)) problems.push(`two actions are named "${id}"`);
    byId.set(id, action);
    if (id.length === 0 || id.length > MAX_IDENTIFIER) problems.push(`action "${id}": an Identifier has 1-${MAX_IDENTIFIER} characters`);
    if (FORBIDDEN_IDENTIFIER.test(id)) problems.push(`action "${id}": an Identifier may not contain any of % : ( \\ / ) = $ , ; [ ] { }`);
    if (!FLOW_ACTION_TYPES.has(action.Type)) problems.push(`action "${id}": unknown Type "${action.Type}"`);
    const exits = transitionsOf(action);
    if (TERMINAL_TYPES.has(action.Type) && exits.length > 0) problems.push(`action "${id}": a ${action.Type} goes nowhere after it, but has transitions`);
    if (!TERMINAL_TYPES.has(action.Type) && exits.length === 0) problems.push(`action "${id}": a ${action.Type} needs somewhere to go next`);
    problems.push(...actionRules(action));
  }
  if (!byId.has(flow.StartAction)) problems.push(`StartAction "${flow.StartAction}" is not an action of the flow`);
  for (const action of flow.Actions) {
    for (const { target, via } of transitionsOf(action)) {
      if (!byId.has(target)) problems.push(`action "${action.Identifier}" goes to "${target}" (${via}), which the flow does not define`);
    }
  }
  const reached = reachable(flow, byId);
  for (const action of flow.Actions) if (!reached.has(action.Identifier)) problems.push(`action "${action.Identifier}" cannot be reached from the StartAction`);
  for (const id of Object.keys(flow.Metadata?.ActionMetadata ?? {})) {
    if (!byId.has(id)) problems.push(`Metadata.ActionMetadata names "${id}", which is not an action of the flow`);
  }
  return problems;
}

function reachable(flow: ContactFlow, byId: ReadonlyMap<string, FlowAction>): Set<string> {
  const seen = new Set<string>();
  const todo = [flow.StartAction];
  for (let id = todo.pop(); id !== undefined; id = todo.pop()) {
    const action = byId.get(id);
    if (!action || seen.has(id)) continue;
    seen.add(id);
    todo.push(...transitionsOf(action).map((exit) => exit.target));
  }
  return seen;
}

/** Rules the flow-language reference states for single actions. */
function actionRules(action: FlowAction): string[] {
  const id = action.Identifier;
  const params = action.Parameters ?? {};
  const operands = (action.Transitions.Conditions ?? []).map((c) => c.Condition.Operands.join(','));
  switch (action.Type) {
    case 'CheckHoursOfOperation':
      // "There must be a Condition provided for Equals True and a Condition for Equals False, and no other conditions."
      return [...operands].sort().join('|') === 'False|True' ? [] : [`action "${id}": CheckHoursOfOperation needs exactly the conditions True and False`];
    case 'InvokeLambdaFunction': {
      const seconds = Number(params['InvocationTimeLimitSeconds']);
      const problems = typeof params['LambdaFunctionARN'] === 'string' ? [] : [`action "${id}": InvokeLambdaFunction needs a LambdaFunctionARN`];
      if (!(seconds > 0 && seconds <= MAX_LAMBDA_SECONDS)) problems.push(`action "${id}": InvocationTimeLimitSeconds must be more than 0 and at most ${MAX_LAMBDA_SECONDS}`);
      return problems;
    }
    case 'Compare':
      return typeof params['ComparisonValue'] === 'string' ? [] : [`action "${id}": Compare needs a ComparisonValue`];
    case 'UpdateContactTargetQueue':
      return typeof params['QueueId'] === 'string' || typeof params['AgentId'] === 'string' ? [] : [`action "${id}": UpdateContactTargetQueue needs a QueueId or an AgentId`];
    case 'UpdateContactMediaStreamingBehavior':
      return ['Enabled', 'Disabled'].includes(String(params['MediaStreamingState'])) && params['MediaStreamType'] === 'Audio' && Array.isArray(params['Participants'])
        ? []
        : [`action "${id}": UpdateContactMediaStreamingBehavior needs MediaStreamingState Enabled or Disabled, MediaStreamType Audio and Participants`];
    default:
      return [];
  }
}

/** The values a flow's Compare actions check `comparisonValue` against (e.g. the caller numbers treated as VIPs). */
export function comparedValues(flow: ContactFlow, comparisonValue: string): string[] {
  return flow.Actions.filter((action) => action.Type === 'Compare' && action.Parameters?.['ComparisonValue'] === comparisonValue).flatMap((action) =>
    (action.Transitions.Conditions ?? []).flatMap((condition) => condition.Condition.Operands),
  );
}
