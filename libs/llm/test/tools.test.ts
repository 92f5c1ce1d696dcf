import { describe, expect, it } from 'vitest';
import { parseToolCall, ToolCallError, TOOLS, TOOL_NAMES } from '../src/tools';

describe('tool schemas', () => {
  it('defines exactly the four tools with strict JSON Schemas', () => {
    expect(TOOL_NAMES).toEqual(['answer_from_knowledge', 'book_appointment', 'transfer_to_human', 'end_call']);
    for (const tool of TOOLS) {
      const schema = tool.parameters as { type: string; additionalProperties: boolean; required: string[]; properties: Record<string, unknown> };
      expect(schema.type).toBe('object');
      expect(schema.additionalProperties).toBe(false);
      expect([...schema.required].sort()).toEqual(Object.keys(schema.properties).sort());
      expect(tool.description.length).toBeGreaterThan(10);
    }
  });

  it('accepts valid arguments, as objects or JSON text', () => {
    expect(parseToolCall('end_call', { reason: 'caller said goodbye' }, 'x')).toEqual({ id: 'x', name: 'end_call', args: { reason: 'caller said goodbye' } });
    const call = parseToolCall('book_appointment', '{"service":"cleaning","date":"2025-12-02","time":"15:00","caller_name":null,"confirm":false}');
    expect(call.name).toBe('book_appointment');
    expect(parseToolCall('answer_from_knowledge', { question: 'hours', fact_ids: ['hours:week'] }).args).toEqual({ question: 'hours', fact_ids: ['hours:week'] });
    expect(parseToolCall('transfer_to_human', { reason: 'caller asked', target: null }).name).toBe('transfer_to_human');
  });

  it.each([
    ['unknown tool', 'send_email', {}],
    ['extra property', 'end_call', { reason: 'bye', mood: 'happy' }],
    ['missing property', 'transfer_to_human', { reason: 'caller asked' }],
    ['missing confirm', 'book_appointment', { service: 'cleaning', date: null, time: null, caller_name: null }],
    ['bad date', 'book_appointment', { service: 'cleaning', date: 'tomorrow', time: null, caller_name: null, confirm: false }],
    ['bad time', 'book_appointment', { service: 'cleaning', date: null, time: '3pm', caller_name: null, confirm: false }],
    ['wrong type', 'answer_from_knowledge', { question: 'hours', fact_ids: 'hours:week' }],
    ['empty reason', 'end_call', { reason: '' }],
    ['not JSON', 'end_call', '{reason:'],
  ])('rejects %s', (_label, name, args) => {
    expect(() => parseToolCall(name, args)).toThrow(ToolCallError);
  });
});
