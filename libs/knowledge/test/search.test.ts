import { describe, expect, it } from 'vitest';
import type { Knowledge, KnowledgeSearch, KnowledgeSource } from '../src/index';
import { LocalKnowledgeSearch, parseKnowledge } from '../src/index';
import { example, exampleText } from './helpers';

/** The confidence above which the brain answers from a fact. */
const THRESHOLD = 0.5;

describe('LocalKnowledgeSearch on the example file', () => {
  const search = new LocalKnowledgeSearch(example());

  // What callers say, as speech recognition writes it: lower case, no punctuation, fillers, misheard words.
  const phrasings: ReadonlyArray<readonly [string, readonly string[]]> = [
    ['what time you guys open saturday', ['hours:saturday']],
    ['how much is a cleaning', ['service:cleaning']],
    ['do you take insurance', ['faq:insurance']],
    ['where do i park', ['faq:parking']],
    ['what are your hours', ['hours:week']],
    ['are you open on sundays', ['hours:sunday']],
    ['whats your address', ['business:address', 'faq:location']],
    ['where are you located', ['business:address', 'faq:location']],
    ['can i pay with credit card', ['faq:payment']],
    ['do you take apple pay', ['faq:payment']],
    ["what's your cancellation policy", ['faq:cancellation']],
    ['i need to reschedule my appointment', ['faq:cancellation']],
    ['do you guys do teeth whitening', ['service:whitening']],
    ['how much does whitening cost', ['service:whitening']],
    ['how long does a cleaning take', ['service:cleaning']],
    ['do you see kids', ['service:kids-checkup', 'faq:children']],
    ['can i just walk in', ['faq:walk-ins']],
    ['are you taking new patients', ['faq:new-patients']],
    ['i have a really bad toothache', ['service:emergency']],
    ['are you open christmas eve', ['special:12-24']],
    ["what's your phone number", ['business:phone']],
    ['do you have a website', ['business:website']],
    ['im nervous about going to the dentist', ['faq:anxiety']],
    ['do you do payment plans', ['faq:financing']],
    ['what time do you close on fridays', ['hours:friday']],
    ['do you accept delta dental', ['faq:insurance']],
    ['how far ahead can i book', ['policy:booking']],
    ['what do you charge for an exam', ['service:exam']],
    // Recognition errors: "filing" for filling, "clening", "wear" for where.
    ['how much for a filing', ['service:filling']],
    ['clening price', ['service:cleaning']],
    ['wear can i park my car', ['faq:parking']],
    ['yeah hi um i was calling to see uh how much you charge for a cleaning', ['service:cleaning']],
  ];

  it.each(phrasings)('"%s" finds %j with confidence', (query, expected) => {
    const [top] = search.searchNow(query);
    expect(top, `no hit for "${query}"`).toBeDefined();
    expect(expected).toContain(top!.fact.id);
    expect(top!.score).toBeGreaterThan(0.6);
    expect(top!.score).toBeLessThanOrEqual(1);
  });

  it.each([
    "what's the weather like",
    'who won the game',
    'can you recommend a good pizza place',
    "what's the meaning of life",
    'tell me a joke',
    'whats the score of the game tonight',
    'how much is a pizza',
    'book me a flight to new york',
    'is the pharmacy open late',
  ])('"%s" (off topic) stays below the confidence threshold', (query) => {
    const [top] = search.searchNow(query);
    expect(top?.score ?? 0).toBeLessThan(THRESHOLD);
  });

  it('an ambiguous question returns both candidates near the top', () => {
    const ids = search.searchNow('are you open on christmas', { limit: 2 }).map((hit) => hit.fact.id);
    expect(ids).toEqual(expect.arrayContaining(['holiday:12-25', 'special:12-24']));
  });

  it('orders hits best first, honours limit and kinds, and ignores empty questions', () => {
    const hits = search.searchNow('how much is a cleaning', { limit: 3 });
    expect(hits).toHaveLength(3);
    expect(hits.map((hit) => hit.score)).toEqual([...hits.map((hit) => hit.score)].sort((a, b) => b - a));
    expect(search.searchNow('how much is a cleaning', { kinds: ['faq'] }).every((hit) => hit.fact.kind === 'faq')).toBe(true);
    expect(search.searchNow('um uh yeah')).toEqual([]);
    expect(search.searchNow('')).toEqual([]);
  });

  it('serves the async port with the same answers', async () => {
    const port: KnowledgeSearch = search;
    const hits = await port.search('where do i park', { limit: 1 });
    expect(hits.map((hit) => hit.fact.id)).toEqual(['faq:parking']);
  });

  it('aliases written in the file find their service', () => {
    expect(search.searchNow('scale and polish')[0]?.fact.id).toBe('service:cleaning');
    expect(search.searchNow('teeth bleaching')[0]?.fact.id).toBe('service:whitening');
  });
});

describe('LocalKnowledgeSearch follows knowledge changes', () => {
  it('rebuilds its index when the source reports new knowledge, and stops when closed', () => {
    let listener: ((knowledge: Knowledge) => void) | undefined;
    let current = example();
    const source: KnowledgeSource = {
      current: () => current,
      onChange: (callback) => {
        listener = callback;
        return () => {
          listener = undefined;
        };
      },
    };
    const search = LocalKnowledgeSearch.following(source);
    expect(search.searchNow('do you do braces')[0]?.score ?? 0).toBeLessThan(THRESHOLD);

    const withBraces = exampleText().replace(
      'faqs:\n',
      'faqs:\n  - id: braces\n    question: Do you do braces?\n    answer: Yes, we offer clear aligners.\n    also_asked: [invisalign, orthodontics]\n',
    );
    current = parseKnowledge(withBraces);
    listener?.(current);
    const [top] = search.searchNow('do you do braces');
    expect(top?.fact.id).toBe('faq:braces');
    expect(search.facts().some((fact) => fact.id === 'faq:braces')).toBe(true);

    search.close();
    expect(listener).toBeUndefined();
  });
});
