import { describe, expect, it } from 'vitest';
import { KnowledgeError, parseKnowledge, validateKnowledge } from '../src/index';
import { example, minimalYaml, problemsOf } from './helpers';

describe('parseKnowledge: the example file', () => {
  it('parses into typed knowledge', () => {
    const knowledge = example();
    expect(knowledge.source).toBe('examples/knowledge.yaml');
    expect(knowledge.business).toMatchObject({ name: 'Bright Smile Dental', phone: '+15125550100', timezone: 'America/Chicago', currency: 'USD' });
    expect(knowledge.hours.monday).toEqual([{ opens: '08:00', closes: '12:00' }, { opens: '13:00', closes: '17:00' }]);
    expect(knowledge.hours.saturday).toEqual([{ opens: '09:00', closes: '13:00' }]);
    expect(knowledge.hours.sunday).toEqual([]);
    expect(knowledge.holidays).toContainEqual({ date: '12-25', name: 'Christmas Day' });
    expect(knowledge.specialHours).toEqual([{ date: '12-24', name: 'Christmas Eve', hours: [{ opens: '08:00', closes: '12:00' }] }]);
    expect(knowledge.services.map((service) => service.id)).toEqual(['cleaning', 'exam', 'whitening', 'filling', 'emergency', 'kids-checkup']);
    expect(knowledge.services[0]).toMatchObject({ price: { amount: 120, currency: 'USD' }, durationMinutes: 60 });
    expect(knowledge.services[0]?.aliases).toContain('hygiene visit');
    expect(knowledge.faqs).toHaveLength(10);
    expect(knowledge.faqs.find((faq) => faq.id === 'parking')?.alsoAsked).toContain('where do I leave my car');
    expect(knowledge.vipCallers).toEqual([
      { number: '+15125550199', name: 'Dr. Patel (practice owner)', transferTo: 'manager' },
      { number: '+15125550142', name: 'Austin Dental Lab' },
    ]);
    expect(knowledge.transfer.defaultTarget).toBe('front_desk');
    expect(knowledge.transfer.targets.front_desk).toEqual({ id: 'front_desk', name: 'our front desk', kind: 'sip', address: 'sip:frontdesk@pbx.brightsmile.example' });
    expect(knowledge.transfer.targets.manager?.kind).toBe('phone');
    expect(knowledge.transfer.targets.billing?.kind).toBe('connect_queue');
    expect(knowledge.transfer.reasons).toMatchObject({ billing: 'billing', complaint: 'manager' });
    expect(Object.keys(knowledge.messages).sort()).toEqual(['closed', 'fallback', 'goodbye', 'greeting', 'transfer', 'voicemail']);
    expect(knowledge.booking).toMatchObject({ slotMinutes: 15, minNoticeMinutes: 120, maxDaysAhead: 60, bufferMinutes: 15, capacityPerSlot: 3 });
    expect(knowledge.booking?.services).toHaveLength(6);
  });
});

describe('parseKnowledge: what a hand-written file may contain', () => {
  it('applies defaults and leaves optional sections empty', () => {
    const knowledge = parseKnowledge(minimalYaml());
    expect(knowledge.business.currency).toBe('USD');
    expect(knowledge.hours.tuesday).toEqual([]);
    expect(knowledge.services).toEqual([]);
    expect(knowledge.faqs).toEqual([]);
    expect(knowledge.booking).toBeUndefined();
    expect(knowledge.transfer.reasons).toEqual({});
  });

  it('keeps numbers exactly as typed and accepts friendly spellings', () => {
    const knowledge = parseKnowledge(minimalYaml({
      business: 'business:\n  name: 1234\n  phone: +1 (212) 555-0100\n  timezone: america/new_york',
      hours: 'hours:\n  monday: 9am - 5:30pm\n  tuesday: [08:00-12:00, 1pm to 6pm]\n  wednesday: 18:00-24:00\n  thursday: Closed',
      services: 'services:\n  - id: cut\n    name: Haircut\n    price: 1,250.5\n    aliases: trim, short back and sides',
      faqs: 'faqs:\n  - question: Do you do beards?\n    answer: Yes.\n    also_asked: beard trim, please',
      vip_callers: 'vip_callers:\n  - "+44 20 7946 0018"',
    }));
    expect(knowledge.business.name).toBe('1234');
    expect(knowledge.business.phone).toBe('+12125550100');
    expect(knowledge.business.timezone).toBe('America/New_York');
    expect(knowledge.hours.monday).toEqual([{ opens: '09:00', closes: '17:30' }]);
    expect(knowledge.hours.tuesday).toEqual([{ opens: '08:00', closes: '12:00' }, { opens: '13:00', closes: '18:00' }]);
    expect(knowledge.hours.wednesday).toEqual([{ opens: '18:00', closes: '24:00' }]);
    expect(knowledge.hours.thursday).toEqual([]);
    expect(knowledge.services[0]?.price).toEqual({ amount: 1250.5, currency: 'USD' });
    expect(knowledge.services[0]?.aliases).toEqual(['trim', 'short back and sides']);
    // An FAQ without an id is numbered; a single phrasing with a comma stays one phrasing.
    expect(knowledge.faqs[0]).toMatchObject({ id: 'faq-1', alsoAsked: ['beard trim, please'] });
    expect(knowledge.vipCallers).toEqual([{ number: '+442079460018' }]);
  });

  it('validates plain data too (a JSON source)', () => {
    const result = validateKnowledge({
      business: { name: 'X', timezone: 'Europe/London', currency: 'gbp' },
      hours: { friday: ['10:00-16:00'] },
      services: [{ id: 'tea', name: 'Tea', price: 3.5, duration_minutes: 15 }],
      transfer: { default: 'desk', targets: { desk: { phone: '+442079460000' } } },
      messages: { greeting: 'Hi', closed: 'Closed', voicemail: 'Speak', transfer: 'Hold', goodbye: 'Bye', fallback: 'Unsure' },
      booking: { slot_minutes: 15, services: 'all' },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.knowledge.business.currency).toBe('GBP');
    expect(result.knowledge.services[0]?.price).toEqual({ amount: 3.5, currency: 'GBP' });
    expect(result.knowledge.booking?.services).toEqual(['tea']);
    expect(result.knowledge.booking?.capacityPerSlot).toBe(1);
  });

  it('refuses an empty file and a file that is not a mapping', () => {
    expect(problemsOf('')).toEqual([{ path: '', message: 'the file is empty' }]);
    expect(problemsOf('# only a comment\n')).toEqual([{ path: '', message: 'the file is empty' }]);
    expect(problemsOf('- just\n- a list\n')[0]?.message).toMatch(/must be a mapping of sections/);
  });

  it('reports YAML syntax errors with their line', () => {
    const problems = problemsOf('business:\n  name: "unterminated\nhours: {\n');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]?.message).toMatch(/^not valid YAML/);
    expect(problems[0]?.line).toBeGreaterThanOrEqual(2);
  });

  it('reports a key written twice', () => {
    const problems = problemsOf(minimalYaml({ hours: 'hours:\n  monday: 09:00-17:00\n  monday: 10:00-12:00' }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 6 });
    expect(problems[0]?.message).toMatch(/not valid YAML: Map keys must be unique/);
  });

  it('throws a KnowledgeError whose message lists each problem as "path (line N): reason"', () => {
    const text = minimalYaml({ business: 'business:\n  name: X\n  timezone: Mars/Olympus' });
    expect(() => parseKnowledge(text, 'shop.yaml')).toThrow(KnowledgeError);
    try {
      parseKnowledge(text, 'shop.yaml');
    } catch (error) {
      expect((error as Error).message).toBe(
        'shop.yaml has 1 problem:\n  - business.timezone (line 3): "Mars/Olympus" is not a known IANA time zone; use a name like America/New_York or Europe/London',
      );
    }
  });
});
