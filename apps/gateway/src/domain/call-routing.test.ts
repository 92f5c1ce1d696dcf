import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Route } from '@voiceagent/contracts';
import { parseKnowledge, type Knowledge } from '@voiceagent/knowledge';
import { routeCall, upstreamRoute } from './call-routing';

const example = parseKnowledge(readFileSync(new URL('../../../../examples/knowledge.yaml', import.meta.url), 'utf8'), 'examples/knowledge.yaml');

/** A small knowledge file in `timezone` with the given hours, holidays and special hours (YAML sections). */
function business(timezone: string, sections: { hours: string; holidays?: string; special?: string; vips?: string }): Knowledge {
  const text = [
    `business:\n  name: Night Owl Pharmacy\n  timezone: ${timezone}`,
    `hours:\n${sections.hours}`,
    sections.holidays ? `holidays:\n${sections.holidays}` : '',
    sections.special ? `special_hours:\n${sections.special}` : '',
    sections.vips ? `vip_callers:\n${sections.vips}` : '',
    'transfer:\n  default: desk\n  targets:\n    desk:\n      sip: sip:desk@pbx.example.com',
    [
      'messages:',
      '  greeting: Hello, {business}.',
      '  closed: We are closed; we open {next_opening}.',
      '  voicemail: Leave a message after the tone.',
      '  transfer: Putting you through.',
      '  goodbye: Bye.',
      '  fallback: I am not sure.',
    ].join('\n'),
  ];
  return parseKnowledge(text.filter(Boolean).join('\n') + '\n', `${timezone}.yaml`);
}

const route = (knowledge: Knowledge, iso: string, caller = '+15550100') => routeCall(knowledge, new Date(iso), caller);
const routeAt = (knowledge: Knowledge, iso: string, caller?: string) => route(knowledge, iso, caller).route;
const { ROUTE_AI_SESSION: AI, ROUTE_VOICEMAIL: VOICEMAIL, ROUTE_HUMAN: HUMAN } = Route;

describe('call routing, America/Chicago (the example knowledge file)', () => {
  it('sends a call just before opening to voicemail with the closed and voicemail messages, and one at opening to the AI', () => {
    // Monday 2025-03-10, CDT (UTC-5): opens 08:00 = 13:00Z.
    const early = route(example, '2025-03-10T12:59:59Z');
    expect(early).toEqual({
      route: VOICEMAIL,
      reason: 'closed: outside opening hours',
      target: '',
      announcement:
        "Thank you for calling Bright Smile Dental. We're closed right now and open again today at 8 am. " +
        "Please leave your name, your phone number and a short message after the tone, and we'll call you back.",
    });
    expect(route(example, '2025-03-10T13:00:00Z')).toEqual({ route: AI, reason: 'open', target: '', announcement: '' });
  });

  it('closes at the closing time and over the lunch break', () => {
    // Monday 08:00-12:00 and 13:00-17:00 CDT.
    expect(routeAt(example, '2025-03-10T16:59:59Z')).toBe(AI);
    expect(routeAt(example, '2025-03-10T17:00:00Z')).toBe(VOICEMAIL);
    expect(routeAt(example, '2025-03-10T18:00:00Z')).toBe(AI);
    expect(routeAt(example, '2025-03-10T21:59:59Z')).toBe(AI);
    expect(route(example, '2025-03-10T22:00:00Z').announcement).toMatch(/open again tomorrow at 8 am/);
    // Sunday is closed all day.
    expect(routeAt(example, '2025-03-16T17:00:00Z')).toBe(VOICEMAIL);
  });

  it('follows the local clock across both DST changes (the same UTC time of day is open on one side and closed on the other)', () => {
    // 13:30Z is 07:30 CST on Friday 2025-03-07 (closed) and 08:30 CDT on Monday 2025-03-10 (open).
    expect(routeAt(example, '2025-03-07T13:30:00Z')).toBe(VOICEMAIL);
    expect(routeAt(example, '2025-03-10T13:30:00Z')).toBe(AI);
    // Fall back on Sunday 2025-11-02: Saturday opens 09:00 CDT = 14:00Z, Monday 08:00 CST = 14:00Z.
    expect(routeAt(example, '2025-11-01T13:59:59Z')).toBe(VOICEMAIL);
    expect(routeAt(example, '2025-11-01T14:00:00Z')).toBe(AI);
    expect(routeAt(example, '2025-11-03T13:30:00Z')).toBe(VOICEMAIL);
    expect(routeAt(example, '2025-11-03T14:00:00Z')).toBe(AI);
  });

  it('closes all day on holidays, named in the reason (every-year dates and spans)', () => {
    // Christmas Day 2025 is a Thursday, normally open.
    expect(route(example, '2025-12-25T16:00:00Z')).toMatchObject({ route: VOICEMAIL, reason: 'closed: holiday (Christmas Day)' });
    expect(route(example, '2025-12-25T16:00:00Z').announcement).toMatch(/open again tomorrow at 8 am/);
    // Thanksgiving spans Thursday and Friday.
    expect(route(example, '2025-11-28T16:00:00Z')).toMatchObject({ route: VOICEMAIL, reason: 'closed: holiday (Thanksgiving)' });
    expect(routeAt(example, '2025-11-26T16:00:00Z')).toBe(AI);
  });

  it('keeps special hours instead of the weekly ones (Christmas Eve 08:00-12:00 on a Wednesday, normally open until 19:00)', () => {
    expect(routeAt(example, '2025-12-24T17:59:59Z')).toBe(AI);
    expect(route(example, '2025-12-24T19:30:00Z')).toMatchObject({ route: VOICEMAIL, reason: 'closed: outside special hours (Christmas Eve)' });
    expect(routeAt(example, '2025-12-17T19:30:00Z')).toBe(AI);
  });

  it("transfers a VIP caller straight to the VIP's target, however the number is written", () => {
    const open = '2025-03-11T15:00:00Z';
    expect(route(example, open, '+15125550199')).toEqual({
      route: HUMAN,
      reason: 'VIP caller Dr. Patel (practice owner)',
      target: '+15125550123',
      announcement: "One moment please, I'm connecting you with a member of our team.",
    });
    for (const written of ['sip:+15125550199@trunk.example.com', 'tel:+1-512-555-0199', '5125550199', '(512) 555-0199']) {
      expect(route(example, open, written), written).toMatchObject({ route: HUMAN, target: '+15125550123' });
    }
    // No transfer_to: the default target.
    expect(route(example, open, '+1 512 555 0142')).toMatchObject({ route: HUMAN, reason: 'VIP caller Austin Dental Lab', target: 'sip:frontdesk@pbx.brightsmile.example' });
    for (const other of ['+15125550100', '+445125550199', '0199', 'anonymous', '']) expect(routeAt(example, open, other), other).toBe(AI);
  });

  it('sends a VIP calling after hours to voicemail like everyone else', () => {
    expect(routeAt(example, '2025-03-11T03:00:00Z', '+15125550199')).toBe(VOICEMAIL);
    expect(routeAt(example, '2025-12-25T16:00:00Z', '+15125550199')).toBe(VOICEMAIL);
  });
});

describe('call routing across DST changes (Europe/London)', () => {
  const londonHours = (sunday: string) => business('Europe/London', { hours: `  sunday: ${sunday}\n  monday: 09:00-17:30` });

  it('opens at a time skipped by spring-forward once the clocks have jumped (01:30 on 2025-03-30 is 02:30 BST)', () => {
    const knowledge = londonHours('01:30-04:00');
    expect(routeAt(knowledge, '2025-03-30T00:59:59Z')).toBe(VOICEMAIL); // 00:59:59 GMT
    expect(routeAt(knowledge, '2025-03-30T01:29:59Z')).toBe(VOICEMAIL); // 02:29:59 BST
    expect(routeAt(knowledge, '2025-03-30T01:30:00Z')).toBe(AI); // 02:30 BST
    expect(routeAt(knowledge, '2025-03-30T02:59:59Z')).toBe(AI); // 03:59:59 BST
    expect(routeAt(knowledge, '2025-03-30T03:00:00Z')).toBe(VOICEMAIL); // 04:00 BST
  });

  it('takes a time in the hour repeated by fall-back as its second occurrence (01:30 GMT on 2025-10-26)', () => {
    const opening = londonHours('01:30-03:00');
    expect(routeAt(opening, '2025-10-26T00:30:00Z')).toBe(VOICEMAIL); // 01:30 BST, the first time round
    expect(routeAt(opening, '2025-10-26T01:29:59Z')).toBe(VOICEMAIL);
    expect(routeAt(opening, '2025-10-26T01:30:00Z')).toBe(AI); // 01:30 GMT
    expect(routeAt(opening, '2025-10-26T02:59:59Z')).toBe(AI);
    expect(routeAt(opening, '2025-10-26T03:00:00Z')).toBe(VOICEMAIL);
    // Open from midnight until 01:30: two and a half hours that night.
    const closing = londonHours('00:00-01:30');
    expect(routeAt(closing, '2025-10-25T22:59:59Z')).toBe(VOICEMAIL); // 23:59:59 BST on Saturday
    expect(routeAt(closing, '2025-10-25T23:00:00Z')).toBe(AI); // 00:00 BST
    expect(routeAt(closing, '2025-10-26T01:15:00Z')).toBe(AI); // 01:15 GMT, the second time round
    expect(routeAt(closing, '2025-10-26T01:30:00Z')).toBe(VOICEMAIL);
  });
});

describe('call routing far from UTC', () => {
  it('Asia/Kolkata (UTC+05:30, no DST): half-hour offsets, a holiday and special hours', () => {
    const knowledge = business('Asia/Kolkata', {
      hours: '  monday: 09:00-18:00\n  friday: 09:00-18:00',
      holidays: '  - date: 08-15\n    name: Independence Day',
      special: '  - date: 2025-10-20\n    name: Diwali\n    hours: 09:00-13:00',
    });
    expect(routeAt(knowledge, '2025-06-02T03:29:59Z')).toBe(VOICEMAIL); // Monday 08:59:59 IST
    expect(routeAt(knowledge, '2025-06-02T03:30:00Z')).toBe(AI); // 09:00 IST
    expect(routeAt(knowledge, '2025-06-02T12:29:59Z')).toBe(AI); // 17:59:59 IST
    expect(routeAt(knowledge, '2025-06-02T12:30:00Z')).toBe(VOICEMAIL); // 18:00 IST
    // Friday 2025-08-15 is a holiday; Monday 2025-10-20 closes at 13:00 for Diwali.
    expect(route(knowledge, '2025-08-15T06:00:00Z')).toMatchObject({ route: VOICEMAIL, reason: 'closed: holiday (Independence Day)' });
    expect(routeAt(knowledge, '2025-10-20T07:29:59Z')).toBe(AI); // 12:59:59 IST
    expect(route(knowledge, '2025-10-20T07:30:00Z')).toMatchObject({ route: VOICEMAIL, reason: 'closed: outside special hours (Diwali)' });
    expect(route(knowledge, '2025-10-20T07:30:00Z').announcement).toBe('We are closed; we open on Friday at 9 am. Leave a message after the tone.');
  });

  it('Pacific/Auckland (UTC+12/+13): Monday morning there is Sunday in UTC, and the southern-hemisphere DST change', () => {
    const knowledge = business('Pacific/Auckland', {
      hours: '  monday: 09:00-17:00\n  friday: 09:00-17:00',
      holidays: '  - date: 12-25\n    name: Christmas Day',
      vips: '  - number: "+6495550100"\n    name: Head office',
    });
    // Monday 2025-06-02 09:00 NZST = Sunday 21:00Z.
    expect(routeAt(knowledge, '2025-06-01T20:59:59Z')).toBe(VOICEMAIL);
    expect(routeAt(knowledge, '2025-06-01T21:00:00Z')).toBe(AI);
    // NZDT starts on Sunday 2025-09-28: Monday opens at 20:00Z, the Friday before at 21:00Z.
    expect(routeAt(knowledge, '2025-09-25T20:30:00Z')).toBe(VOICEMAIL);
    expect(routeAt(knowledge, '2025-09-28T20:30:00Z')).toBe(AI);
    // NZDT ends on Sunday 2025-04-06: Friday 2025-04-04 opens 20:00Z, Monday 2025-04-07 21:00Z.
    expect(routeAt(knowledge, '2025-04-03T20:30:00Z')).toBe(AI);
    expect(routeAt(knowledge, '2025-04-06T20:30:00Z')).toBe(VOICEMAIL);
    // Christmas Day 2026 is a Friday; Christmas Eve 23:00Z is already Christmas morning there.
    expect(route(knowledge, '2026-12-24T23:00:00Z')).toMatchObject({ route: VOICEMAIL, reason: 'closed: holiday (Christmas Day)' });
    expect(route(knowledge, '2025-06-01T22:00:00Z', '+64 9 555 0100')).toEqual({
      route: HUMAN,
      reason: 'VIP caller Head office',
      target: 'sip:desk@pbx.example.com',
      announcement: 'Putting you through.',
    });
  });
});

describe('a route decided upstream (an SBC or contact flow in front of us)', () => {
  it('is taken as it is, with the announcement and target that go with it', () => {
    const closed = new Date('2025-12-25T16:00:00Z');
    const open = new Date('2025-03-11T15:00:00Z');
    expect(routeCall(example, closed, '+15125550100', Route.ROUTE_AI_SESSION)).toEqual({ route: AI, reason: 'routed upstream', target: '', announcement: '' });
    expect(routeCall(example, open, '+15125550142', Route.ROUTE_AI_SESSION).route).toBe(AI);
    // Voicemail while open: just the voicemail message.
    expect(routeCall(example, open, '+15125550100', Route.ROUTE_VOICEMAIL)).toEqual({
      route: VOICEMAIL,
      reason: 'routed upstream',
      target: '',
      announcement: "Please leave your name, your phone number and a short message after the tone, and we'll call you back.",
    });
    expect(routeCall(example, closed, '+15125550100', Route.ROUTE_VOICEMAIL).announcement).toMatch(/^Thank you for calling Bright Smile Dental\. We're closed right now/);
    expect(routeCall(example, open, '+15125550100', Route.ROUTE_HUMAN)).toMatchObject({ route: HUMAN, target: 'sip:frontdesk@pbx.brightsmile.example' });
    expect(routeCall(example, open, '+15125550199', Route.ROUTE_HUMAN)).toMatchObject({ route: HUMAN, target: '+15125550123' });
  });

  it('is read from the header value, ignoring anything it does not name', () => {
    expect(upstreamRoute('ai_session')).toBe(AI);
    expect(upstreamRoute(' Voicemail ')).toBe(VOICEMAIL);
    expect(upstreamRoute('human')).toBe(HUMAN);
    for (const other of [undefined, '', 'queue', 'AI', 'constructor']) expect(upstreamRoute(other), String(other)).toBeUndefined();
  });
});
