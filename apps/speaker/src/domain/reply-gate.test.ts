import { describe, expect, it } from 'vitest';
import { ReplyGate, type GateSentence } from './reply-gate';

const s = (turnId: string, sentenceIndex: number, final = false): GateSentence => ({ turnId, sentenceIndex, final });

describe('ReplyGate', () => {
  it('groups a turn’s sentences into one reply that its final sentence closes', () => {
    const gate = new ReplyGate();
    expect(gate.accept(s('t1', 0))).toEqual({ kind: 'speak', replyId: 1, opened: true, superseded: undefined, final: false });
    expect(gate.accept(s('t1', 1))).toEqual({ kind: 'speak', replyId: 1, opened: false, superseded: undefined, final: false });
    expect(gate.openReply).toBe(1);
    expect(gate.accept(s('t1', 2, true))).toMatchObject({ replyId: 1, opened: false, final: true });
    expect(gate.openReply).toBeUndefined();
    expect(gate.accept(s('t2', 0, true))).toMatchObject({ replyId: 2, opened: true, final: true });
  });

  it('drops the rest of an interrupted reply, and only that reply', () => {
    const gate = new ReplyGate();
    gate.accept(s('t1', 0));
    expect(gate.bargeIn()).toBe(1);
    expect(gate.accept(s('t1', 1))).toEqual({ kind: 'drop', reason: 'interrupted' });
    expect(gate.accept(s('t2', 0))).toMatchObject({ kind: 'speak', replyId: 2, opened: true });
    expect(gate.accept(s('t1', 2, true))).toEqual({ kind: 'drop', reason: 'interrupted' });
    expect(gate.accept(s('t2', 1, true))).toMatchObject({ kind: 'speak', replyId: 2 });
  });

  it('barge-in with no reply being written interrupts nothing later', () => {
    const gate = new ReplyGate();
    gate.accept(s('t1', 0, true));
    expect(gate.bargeIn()).toBeUndefined();
    expect(gate.accept(s('t1', 1))).toMatchObject({ kind: 'speak' }); // no reply of t1 was cut off
  });

  it('a new reply with an interrupted turn id (fixed phrases have none) speaks', () => {
    const gate = new ReplyGate();
    gate.accept(s('', 0)); // greeting, cut off before its final sentence
    gate.bargeIn();
    expect(gate.accept(s('', 1, true))).toMatchObject({ kind: 'drop' });
    expect(gate.accept(s('', 0, true))).toMatchObject({ kind: 'speak', opened: true }); // closed message, later
    gate.accept(s('', 0));
    gate.bargeIn();
    expect(gate.accept(s('', 0, true))).toMatchObject({ kind: 'speak', opened: true }); // its final never came: sentence 0 opens anew
  });

  it('a reply that never got its final sentence is superseded by the next one', () => {
    const gate = new ReplyGate();
    gate.accept(s('t1', 0));
    expect(gate.accept(s('t2', 0))).toMatchObject({ replyId: 2, opened: true, superseded: 1 });
    expect(gate.accept(s('t2', 0))).toMatchObject({ replyId: 3, opened: true, superseded: 2 }); // restarted from sentence 0
  });

  it('remembers a bounded number of interrupted turns', () => {
    const gate = new ReplyGate();
    for (let i = 0; i < 20; i++) {
      gate.accept(s(`t${i}`, 0));
      gate.bargeIn();
    }
    expect(gate.accept(s('t19', 1))).toMatchObject({ kind: 'drop' });
    expect(gate.accept(s('t0', 1))).toMatchObject({ kind: 'speak' }); // forgotten long ago
  });
});
