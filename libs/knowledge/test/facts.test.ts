import { describe, expect, it } from 'vitest';
import type { Fact, FactValue } from '../src/index';
import { extractLiterals, facts, groundingKeys, numberToWords, ordinalWords, parseKnowledge, ungroundedLiterals } from '../src/index';
import { example, minimalYaml } from './helpers';

const byId = (list: readonly Fact[], id: string): Fact => {
  const fact = list.find((candidate) => candidate.id === id);
  if (!fact) throw new Error(`no fact ${id}`);
  return fact;
};
const valueOf = (fact: Fact, kind: FactValue['kind'], value: string): FactValue => {
  const found = fact.values.find((candidate) => candidate.kind === kind && candidate.value === value);
  if (!found) throw new Error(`${fact.id} has no ${kind} ${value}: ${fact.values.map((v) => `${v.kind}:${v.value}`).join(', ')}`);
  return found;
};

describe('facts(knowledge)', () => {
  const list = facts(example());

  it('covers every part of the file with stable ids and kinds', () => {
    const ids = list.map((fact) => fact.id);
    expect(ids).toEqual(expect.arrayContaining([
      'business:name', 'business:address', 'business:phone', 'business:website', 'business:email',
      'hours:week', 'hours:monday', 'hours:sunday', 'holiday:12-25', 'holiday:2025-11-27', 'special:12-24',
      'service:list', 'service:cleaning', 'service:kids-checkup', 'faq:parking', 'faq:insurance', 'policy:booking',
    ]));
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(list.map((fact) => fact.kind))).toEqual(new Set(['business', 'hours', 'holiday', 'service', 'faq', 'policy']));
  });

  it('writes sentences the agent can say', () => {
    expect(byId(list, 'hours:week').text).toBe(
      'Our opening hours: Monday and Tuesday 8 am to noon and 1 pm to 5 pm; Wednesday 8 am to noon and 1 pm to 7 pm; Thursday 8 am to noon and 1 pm to 5 pm; Friday 8 am to 3 pm; Saturday 9 am to 1 pm; closed Sunday.',
    );
    expect(byId(list, 'hours:saturday').text).toBe("On Saturdays we're open from 9 am to 1 pm.");
    expect(byId(list, 'hours:sunday').text).toBe("We're closed on Sundays.");
    expect(byId(list, 'service:cleaning').text).toBe(
      'Teeth cleaning: A professional cleaning and polish with one of our hygienists, including a quick check by the dentist. It costs $120. It takes about 1 hour. You can book it over the phone.',
    );
    expect(byId(list, 'holiday:2025-11-27').text).toBe("We're closed from Thursday, November 27, 2025 to Friday, November 28, 2025 for Thanksgiving.");
    expect(byId(list, 'special:12-24').text).toBe("Every year on December 24 (Christmas Eve) we're open 8 am to noon.");
    expect(byId(list, 'business:phone').text).toBe('Our phone number is (512) 555-0100.');
    expect(byId(list, 'policy:booking').text).toMatch(/up to 60 days ahead and at least 2 hours in advance\.$/);
  });

  it('carries aliases and alternative questions as keywords', () => {
    expect(byId(list, 'service:cleaning').keywords).toEqual(expect.arrayContaining(['hygiene visit', 'scale and polish', 'price', 'how much']));
    expect(byId(list, 'faq:parking')).toMatchObject({ title: 'Where can I park?' });
    expect(byId(list, 'faq:parking').keywords).toContain('where do I leave my car');
  });

  it('exposes prices in every form a reply might use', () => {
    const price = valueOf(byId(list, 'service:cleaning'), 'price', '120');
    expect(price.forms).toEqual(expect.arrayContaining(['120', '$120', '120 dollars', 'one hundred twenty', 'one hundred twenty dollars', '$120.00']));
    expect(price.keys).toEqual(['price:120', 'number:120']);
    const fee = valueOf(byId(list, 'faq:cancellation'), 'price', '25');
    expect(fee.forms).toEqual(expect.arrayContaining(['25', '$25', '25 dollars', 'twenty-five', 'twenty five']));
  });

  it('exposes times, durations, dates and phone numbers the same way', () => {
    const saturday = byId(list, 'hours:saturday');
    expect(valueOf(saturday, 'time', '09:00').forms).toEqual(expect.arrayContaining(['9', '9 am', '9am', 'nine', 'nine am', '9:00', '09:00', "nine o'clock"]));
    expect(valueOf(saturday, 'time', '13:00').forms).toEqual(expect.arrayContaining(['1', '1 pm', 'one pm', '13:00']));
    expect(valueOf(byId(list, 'hours:monday'), 'time', '12:00').forms).toEqual(expect.arrayContaining(['noon', '12 pm', 'twelve']));
    expect(valueOf(byId(list, 'service:cleaning'), 'duration', '60').forms).toEqual(expect.arrayContaining(['60 minutes', '1 hour', 'one hour', 'an hour', 'sixty minutes']));
    expect(valueOf(byId(list, 'faq:cancellation'), 'duration', '1440').forms).toEqual(expect.arrayContaining(['24 hours', 'twenty-four hours', '1 day', 'one day', '1440 minutes']));
    expect(valueOf(byId(list, 'holiday:12-25'), 'date', '12-25').forms).toEqual(expect.arrayContaining(['december 25', 'december 25th', 'december twenty-fifth', '12/25']));
    expect(valueOf(byId(list, 'business:phone'), 'phone', '+15125550100').forms).toEqual(expect.arrayContaining(['(512) 555-0100', '512-555-0100', '5125550100', '+15125550100']));
    expect(valueOf(byId(list, 'business:address'), 'number', '78704').forms).toContain('78704');
  });
});

describe('extractLiterals', () => {
  const keysOf = (text: string): string[][] => extractLiterals(text).map((literal) => [...literal.keys]);

  it('reads written values', () => {
    expect(keysOf('A cleaning is $120 and takes 60 minutes.')).toEqual([['price:120'], ['duration:60']]);
    expect(keysOf('Open 9am-5:30pm, or 09:00 to 17:00.')).toEqual([['time:09:00'], ['time:17:30'], ['time:09:00'], ['time:17:00']]);
    expect(keysOf('We close at 9:30')).toEqual([['time:09:30', 'time:21:30']]);
    expect(keysOf('Closed on 2025-12-25, December 26th and 1/2.')).toEqual([['date:2025-12-25'], ['date:12-26'], ['date:01-02']]);
    expect(keysOf('Call (512) 555-0100 or +44 20 7946 0018.')).toEqual([['phone:5125550100', 'phone:15125550100'], ['phone:442079460018']]);
    expect(keysOf('Save 10% on 2 visits, $45.50 each')).toEqual([['percent:10'], ['number:2'], ['price:45.5']]);
  });

  it('reads spelled-out values as a speech-ready reply would say them', () => {
    expect(keysOf('It costs forty-five dollars.')).toEqual([['price:45']]);
    expect(keysOf('one hundred and twenty dollars and fifty cents')).toEqual([['price:120.5']]);
    expect(keysOf('We open at nine thirty am and close at five pm')).toEqual([['time:09:30'], ['time:17:00']]);
    expect(keysOf("We open at nine o'clock")).toEqual([['time:09:00', 'time:21:00']]);
    expect(keysOf('It takes about an hour and a half, or half an hour for kids.')).toEqual([['duration:90'], ['duration:30']]);
    expect(keysOf('We are closed on December twenty-fifth.')).toEqual([['date:12-25']]);
    expect(keysOf('Call five one two five five five zero one zero zero.')).toEqual([['phone:5125550100', 'phone:15125550100']]);
    expect(keysOf('We have three chairs')).toEqual([['number:3']]);
    expect(keysOf('the fourth of July')).toEqual([['date:07-04']]);
  });

  it('leaves words that only look like numbers alone', () => {
    expect(extractLiterals('One of our hygienists will call you back in a second.')).toEqual([]);
    expect(extractLiterals('Is this your first visit?')).toEqual([]);
  });

  it('keeps the text as written', () => {
    expect(extractLiterals('That is Forty-Five Dollars, thanks').map((literal) => literal.text)).toEqual(['Forty-Five Dollars']);
  });
});

describe('ungroundedLiterals: the never-invent check', () => {
  const list = facts(example());
  const cleaning = list.filter((fact) => fact.id === 'service:cleaning' || fact.id === 'hours:saturday');

  it('accepts a reply whose values all come from the facts, however they are said', () => {
    expect(ungroundedLiterals('A cleaning is $120 and takes about an hour.', cleaning)).toEqual([]);
    expect(ungroundedLiterals('It costs one hundred twenty dollars and takes sixty minutes.', cleaning)).toEqual([]);
    expect(ungroundedLiterals('On Saturday we open at 9 and close at one pm.', cleaning)).toEqual([]);
    expect(ungroundedLiterals('We are open nine a.m. to 1 p.m. on Saturdays.', cleaning)).toEqual([]);
  });

  it('flags a value the facts do not carry', () => {
    expect(ungroundedLiterals('A cleaning is $99.', cleaning).map((literal) => literal.text)).toEqual(['$99']);
    expect(ungroundedLiterals('We open at 8 am on Saturday.', cleaning).map((literal) => literal.text)).toEqual(['8 am']);
    expect(ungroundedLiterals('It takes two hours.', cleaning).map((literal) => literal.text)).toEqual(['two hours']);
    // A price must be a price: 60 is a duration here, not an amount.
    expect(ungroundedLiterals('That will be $60.', cleaning).map((literal) => literal.text)).toEqual(['$60']);
  });

  it('takes a precomputed key set as well', () => {
    const keys = groundingKeys(facts(parseKnowledge(minimalYaml())));
    expect(keys.has('time:09:00')).toBe(true);
    expect(ungroundedLiterals('We open at 9 am on Mondays.', keys)).toEqual([]);
    expect(ungroundedLiterals('We open at 10 am.', keys)).toHaveLength(1);
  });
});

describe('spoken numbers', () => {
  it('spells cardinals and ordinals', () => {
    expect(numberToWords(0)).toBe('zero');
    expect(numberToWords(45)).toBe('forty-five');
    expect(numberToWords(120)).toBe('one hundred twenty');
    expect(numberToWords(2025)).toBe('two thousand twenty-five');
    expect(ordinalWords(25)).toBe('twenty-fifth');
    expect(ordinalWords(12)).toBe('twelfth');
    expect(ordinalWords(30)).toBe('thirtieth');
  });
});
