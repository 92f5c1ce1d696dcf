import { describe, expect, it } from 'vitest';
import { findVipCaller, renderMessage, transferTargetFor } from '../src/index';
import { example } from './helpers';

describe('lookups for call routing', () => {
  const knowledge = example();

  it('fills message placeholders with the business name and the next opening', () => {
    expect(renderMessage(knowledge, 'greeting')).toBe('Thank you for calling Bright Smile Dental. This is the virtual assistant. How can I help you today?');
    // Christmas Eve 14:00 CST: closed until Friday 8 am.
    expect(renderMessage(knowledge, 'closed', new Date('2025-12-24T20:00:00Z'))).toBe(
      "Thank you for calling Bright Smile Dental. We're closed right now and open again on Friday at 8 am.",
    );
  });

  it('picks the transfer target for a reason, else the default', () => {
    expect(transferTargetFor(knowledge, 'billing')).toMatchObject({ id: 'billing', kind: 'connect_queue' });
    expect(transferTargetFor(knowledge, 'complaint')).toMatchObject({ id: 'manager', kind: 'phone', address: '+15125550123' });
    expect(transferTargetFor(knowledge, 'something else')).toMatchObject({ id: 'front_desk', kind: 'sip' });
    expect(transferTargetFor(knowledge)).toMatchObject({ id: 'front_desk' });
  });

  it('recognises VIP callers however the caller id is written', () => {
    expect(findVipCaller(knowledge, '+15125550199')?.name).toBe('Dr. Patel (practice owner)');
    expect(findVipCaller(knowledge, 'sip:+15125550199@trunk.example.com')?.transferTo).toBe('manager');
    expect(findVipCaller(knowledge, '(512) 555-0142')?.name).toBe('Austin Dental Lab');
    expect(findVipCaller(knowledge, '+15125550100')).toBeUndefined();
    expect(findVipCaller(knowledge, '0142')).toBeUndefined();
    expect(findVipCaller(knowledge, 'anonymous')).toBeUndefined();
  });
});
