import { describe, expect, it } from 'vitest';
import type { KnowledgeProblem } from '../src/index';
import { minimalYaml, problemsOf } from './helpers';

/** The problem at a path (fails when there is none). */
function at(problems: readonly KnowledgeProblem[], path: string): KnowledgeProblem {
  const found = problems.find((problem) => problem.path === path);
  if (!found) throw new Error(`no problem at ${path}; got:\n${problems.map((p) => `${p.path} (line ${p.line}): ${p.message}`).join('\n')}`);
  return found;
}

describe('a bad knowledge file is refused with every problem, its path, line and reason', () => {
  const text = [
    /*  1 */ 'bussiness: typo',
    /*  2 */ 'business:',
    /*  3 */ '  name: ""',
    /*  4 */ '  phone: 512-555-0100',
    /*  5 */ '  timezone: America/Springfield',
    /*  6 */ '  currency: dollars',
    /*  7 */ '  fax: "+15125550000"',
    /*  8 */ 'hours:',
    /*  9 */ '  monday: [13:00-17:00, 08:00-12:00]',
    /* 10 */ '  tuesday: [08:00-12:00, 11:00-15:00]',
    /* 11 */ '  wednesday: 17:00-09:00',
    /* 12 */ '  thursday: 9-5',
    /* 13 */ '  funday: 10:00-11:00',
    /* 14 */ 'holidays:',
    /* 15 */ '  - date: 2025-02-30',
    /* 16 */ '  - date: 2025-07-04',
    /* 17 */ '    until: 2025-07-01',
    /* 18 */ 'special_hours:',
    /* 19 */ '  - date: 2025-07-02',
    /* 20 */ '    hours: 10:00-12:00',
    /* 21 */ 'services:',
    /* 22 */ '  - id: cleaning',
    /* 23 */ '    name: Cleaning',
    /* 24 */ '    price: $45',
    /* 25 */ '    duration_minutes: 50',
    /* 26 */ '  - id: cleaning',
    /* 27 */ '    name: Deep clean',
    /* 28 */ '    duration_minutes: 60',
    /* 29 */ '  - id: Whitening Deluxe',
    /* 30 */ '    name: Whitening',
    /* 31 */ 'faqs:',
    /* 32 */ '  - question: Parking?',
    /* 33 */ 'vip_callers:',
    /* 34 */ '  - number: "5125550199"',
    /* 35 */ '  - number: "+15125550142"',
    /* 36 */ '  - number: "+1 512 555 0142"',
    /* 37 */ '    transfer_to: boss',
    /* 38 */ 'transfer:',
    /* 39 */ '  default: reception',
    /* 40 */ '  targets:',
    /* 41 */ '    desk:',
    /* 42 */ '      sip: desk@pbx',
    /* 43 */ '    manager:',
    /* 44 */ '      phone: "+15125550123"',
    /* 45 */ '      sip: sip:manager@pbx.example.com',
    /* 46 */ '    queue:',
    /* 47 */ '      connect_queue: arn:aws:connect:us-east-1:123:instance/x/queue/y',
    /* 48 */ '  reasons:',
    /* 49 */ '    billing: accounts',
    /* 50 */ 'messages:',
    /* 51 */ '  greeting: Welcome to {bussiness}!',
    /* 52 */ '  closed: Closed.',
    /* 53 */ 'booking:',
    /* 54 */ '  slot_minutes: 15',
    /* 55 */ '  buffer_minutes: 10',
    /* 56 */ '  services: [cleaning, polishing]',
    '',
  ].join('\n');
  const problems = problemsOf(text);

  it('collects them all rather than stopping at the first', () => {
    expect(problems.length).toBeGreaterThanOrEqual(30);
    expect(problems.every((problem) => problem.line !== undefined && problem.message.length > 0)).toBe(true);
  });

  it('names unknown keys and suggests the likely one', () => {
    expect(at(problems, 'bussiness')).toMatchObject({ line: 1, message: expect.stringMatching(/^unknown section \(did you mean "business"\?\)/) });
    expect(at(problems, 'business.fax')).toMatchObject({ line: 7, message: expect.stringMatching(/^unknown key; expected one of: name, phone/) });
    expect(at(problems, 'hours.funday')).toMatchObject({ line: 13, message: expect.stringMatching(/unknown key \(did you mean "sunday"\?\)/) });
  });

  it('checks business details: required text, E.164, IANA zone, currency', () => {
    expect(at(problems, 'business.name')).toMatchObject({ line: 3, message: 'must not be empty' });
    expect(at(problems, 'business.phone')).toMatchObject({ line: 4, message: expect.stringMatching(/E\.164 form with the country code, e\.g\. \+15125550100/) });
    expect(at(problems, 'business.timezone')).toMatchObject({ line: 5, message: expect.stringMatching(/"America\/Springfield" is not a known IANA time zone/) });
    expect(at(problems, 'business.currency')).toMatchObject({ line: 6, message: expect.stringMatching(/ISO 4217/) });
  });

  it('checks that hours are valid, in order and do not overlap', () => {
    expect(at(problems, 'hours.monday[1]')).toMatchObject({ line: 9, message: expect.stringMatching(/listed after a later range; list the ranges in time order/) });
    expect(at(problems, 'hours.tuesday[1]')).toMatchObject({ line: 10, message: '"11:00-15:00" overlaps the previous range, which ends at 12:00' });
    expect(at(problems, 'hours.wednesday')).toMatchObject({ line: 11, message: expect.stringMatching(/closes before it opens; hours past midnight go on the next day/) });
    expect(at(problems, 'hours.thursday')).toMatchObject({ line: 12, message: expect.stringMatching(/"9" is ambiguous; write 24-hour times like 09:00/) });
  });

  it('checks holiday dates, spans and clashes with special hours', () => {
    expect(at(problems, 'holidays[0].date')).toMatchObject({ line: 15, message: '"2025-02-30" is not a real date' });
    expect(at(problems, 'holidays[1].until')).toMatchObject({ line: 17, message: 'is before date (2025-07-04)' });
  });

  it('checks services: amounts, duplicate ids, id format, durations against booking slots', () => {
    expect(at(problems, 'services[0].price')).toMatchObject({ line: 24, message: expect.stringMatching(/write only the number, e\.g\. 45/) });
    expect(at(problems, 'services[0].duration_minutes')).toMatchObject({
      line: 25,
      message: expect.stringMatching(/^50 minutes is not a whole number of 15-minute booking slots .*Use 45 or 60, or change slot_minutes/),
    });
    expect(at(problems, 'services[1].id')).toMatchObject({ line: 26, message: 'duplicate id "cleaning" (already used by services[0])' });
    expect(at(problems, 'services[2].id')).toMatchObject({ line: 29, message: expect.stringMatching(/not a valid id; use lower-case letters/) });
  });

  it('checks required FAQ fields, VIP numbers and their targets', () => {
    expect(at(problems, 'faqs[0].answer')).toMatchObject({ line: 32, message: 'is required' });
    expect(at(problems, 'vip_callers[0].number')).toMatchObject({ line: 34, message: expect.stringMatching(/E\.164/) });
    expect(at(problems, 'vip_callers[2].number')).toMatchObject({ line: 36, message: 'duplicate number +15125550142 (already vip_callers[1])' });
    expect(at(problems, 'vip_callers[2].transfer_to')).toMatchObject({ line: 37, message: expect.stringMatching(/unknown transfer target "boss"/) });
  });

  it('checks transfer targets and that the default and every reason name one', () => {
    expect(at(problems, 'transfer.default')).toMatchObject({ line: 39, message: expect.stringMatching(/^unknown transfer target "reception"; targets are: desk, manager, queue/) });
    expect(at(problems, 'transfer.targets.desk.sip')).toMatchObject({ line: 42, message: expect.stringMatching(/not a SIP URI; write it like sip:/) });
    expect(at(problems, 'transfer.targets.manager')).toMatchObject({ line: 43, message: 'needs exactly one of sip, phone or connect_queue (has sip and phone)' });
    expect(at(problems, 'transfer.targets.queue.connect_queue')).toMatchObject({ line: 47, message: expect.stringMatching(/not an Amazon Connect queue ARN/) });
    expect(at(problems, 'transfer.reasons.billing')).toMatchObject({ line: 49, message: expect.stringMatching(/unknown transfer target "accounts"/) });
  });

  it('checks messages: all present, placeholders known', () => {
    expect(at(problems, 'messages.greeting')).toMatchObject({ line: 51, message: expect.stringMatching(/unknown placeholder \{bussiness\} \(did you mean "business"\?\)/) });
    // A missing key is reported on its parent's line.
    expect(at(problems, 'messages.voicemail')).toMatchObject({ line: 50, message: 'is required' });
    expect(at(problems, 'messages.fallback')).toMatchObject({ line: 50, message: 'is required' });
  });

  it('checks booking rules against the services', () => {
    expect(at(problems, 'booking.buffer_minutes')).toMatchObject({ line: 55, message: expect.stringMatching(/10 is not a whole number of 15-minute slots/) });
    expect(at(problems, 'booking.services[1]')).toMatchObject({ line: 56, message: 'unknown service "polishing"' });
    // Problems come in file order.
    const lines = problems.map((problem) => problem.line ?? 0);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
  });
});

describe('cross-checks on otherwise valid parts', () => {
  it('a missing section is named (it has no line)', () => {
    const problems = problemsOf(minimalYaml({ transfer: '' }));
    expect(problems).toEqual([{ path: 'transfer', message: 'is required' }]);
  });

  it('a bookable service needs a duration, and one longer than any opening period can never be booked', () => {
    const problems = problemsOf(minimalYaml({
      hours: 'hours:\n  monday: 09:00-11:00\n  tuesday: [09:00-10:00, 11:00-12:00]',
      services: 'services:\n  - id: a\n    name: A\n  - id: b\n    name: B\n    duration_minutes: 180',
      booking: 'booking:\n  slot_minutes: 30\n  services: all',
    }));
    expect(at(problems, 'services[0].duration_minutes')).toMatchObject({ line: 20, message: 'is required for a service that can be booked (listed in booking.services)' });
    expect(at(problems, 'services[1].duration_minutes')).toMatchObject({ line: 24, message: '3 hours is longer than the longest opening period (2 hours), so it could never be booked' });
  });

  it('capacity and resources are alternatives, and resources take only bookable services', () => {
    const problems = problemsOf(minimalYaml({
      services: 'services:\n  - id: cut\n    name: Cut\n    duration_minutes: 30\n  - id: colour\n    name: Colour\n    duration_minutes: 90',
      booking: [
        'booking:',
        '  slot_minutes: 30',
        '  capacity_per_slot: 2',
        '  resources:',
        '    - { id: ana, name: Ana, services: [cut, colour] }',
        '    - { id: ana, name: Ana again, services: [shave] }',
        '  services: [cut]',
      ].join('\n'),
    }));
    expect(at(problems, 'booking.capacity_per_slot').message).toMatch(/either capacity_per_slot or resources, not both/);
    expect(at(problems, 'booking.resources[0].services[1]').message).toBe('"colour" is not bookable (not in booking.services)');
    expect(at(problems, 'booking.resources[1].id').message).toBe('duplicate id "ana" (already booking.resources[0])');
    expect(at(problems, 'booking.resources[1].services[0]').message).toBe('"shave" is not a service');
  });

  it('a date cannot be both a holiday and a special-hours day, and a business must open sometime', () => {
    const problems = problemsOf(minimalYaml({
      hours: 'hours:\n  monday: closed',
      holidays: 'holidays:\n  - date: 12-20\n    until: 12-31\n    name: Winter break',
      special_hours: 'special_hours:\n  - date: 2025-12-24\n    hours: closed',
    }));
    expect(at(problems, 'special_hours[0].date').message).toBe('overlaps holidays[0] 12-20..12-31 (Winter break); a day is either closed or has special hours, remove one');
    expect(at(problems, 'hours').message).toBe('the business is never open; give opening hours for at least one day');
  });

  it('two services cannot share a name or alias, nor two FAQs an id (generated ones included)', () => {
    const problems = problemsOf(minimalYaml({
      services: 'services:\n  - id: cut\n    name: Haircut\n    aliases: [trim]\n  - id: kids\n    name: Kids cut\n    aliases: [Trim]',
      faqs: 'faqs:\n  - question: A?\n    answer: A.\n  - id: faq-1\n    question: B?\n    answer: B.',
    }));
    expect(at(problems, 'services[1].aliases[0]').message).toBe('"Trim" also names services[0]; callers could not tell the two apart');
    expect(at(problems, 'faqs[1].id').message).toBe('duplicate id "faq-1" (already used by faqs[0])');
  });

  it('wrong shapes get plain-language reasons', () => {
    const problems = problemsOf(minimalYaml({
      business: 'business:\n  - name: X',
      services: 'services:\n  id: cut',
      messages: 'messages:\n  greeting: [a, b]\n  closed: c\n  voicemail: d\n  transfer: e\n  goodbye: f\n  fallback: g',
    }));
    expect(at(problems, 'business').message).toBe('must be a mapping of "key: value" lines, not a list');
    expect(at(problems, 'services').message).toBe('must be a list (one "- item" per line)');
    expect(at(problems, 'messages.greeting').message).toBe('must be a single value, not a list');
  });
});
