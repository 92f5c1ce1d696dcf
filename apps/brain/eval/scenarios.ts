import type { ToolName } from '@voiceagent/llm';

/**
 * Caller conversations over examples/knowledge.yaml, as a phone recognizer
 * would deliver them (lower case, no punctuation, some mishearings). The
 * clock is Monday 2025-12-01 10:00 in Austin; Wednesday 10:00 is already taken.
 */

export interface EvalTurn {
  readonly say: string;
  readonly tool: ToolName;
  /** Words the spoken reply must contain (lower case). */
  readonly expect?: readonly string[];
}

export interface Scenario {
  readonly name: string;
  readonly turns: readonly EvalTurn[];
}

const ask = (name: string, say: string, tool: ToolName, expect?: string[]): Scenario => ({ name, turns: [{ say, tool, ...(expect ? { expect } : {}) }] });
const answer = 'answer_from_knowledge' as const;
const book = 'book_appointment' as const;
const transfer = 'transfer_to_human' as const;
const end = 'end_call' as const;

export const SCENARIOS: readonly Scenario[] = [
  // Hours
  ask('hours week', 'what are your hours', answer, ['8 am']),
  ask('hours saturday', 'what time do you open on saturday', answer, ['9 am']),
  ask('hours saturday asr', 'are you guys open saturdays', answer, ['saturday']),
  ask('hours sunday', 'are you open on sunday', answer, ['closed']),
  ask('hours today', 'what time do you close today', answer, ['monday']),
  ask('hours wednesday late', 'how late are you open on wednesday', answer, ['7 pm']),
  ask('hours friday', 'when do you close on friday', answer, ['3 pm']),
  ask('hours tomorrow', 'are you open tomorrow', answer, ['tuesday']),
  ask('hours opening', 'what time do you guys open', answer),
  ask('hours christmas', 'are you open on christmas', answer, ['christmas']),
  ask('hours thanksgiving', 'are you closed for thanksgiving', answer, ['thanksgiving']),
  ask('hours schedule', 'whats your schedule this week', answer),
  // Prices and services
  ask('price cleaning', 'how much is a cleaning', answer, ['$120']),
  ask('price whitening', 'how much does teeth whitening cost', answer, ['$350']),
  ask('price filling asr', 'how much for a filing', answer, ['$180']),
  ask('price exam', 'what does a new patient exam cost', answer, ['$95']),
  ask('price emergency', 'how much is an emergency visit', answer, ['$150']),
  ask('price kids', 'how much is a kids checkup', answer, ['$75']),
  ask('services list', 'what services do you offer', answer, ['whitening']),
  ask('service duration', 'how long does a whitening take', answer, ['90 minutes']),
  ask('bleaching alias', 'do you do teeth bleaching', answer, ['whitening']),
  ask('cavity alias', 'i think i have a cavity how much is a filling', answer, ['$180']),
  // FAQs
  ask('parking', 'where can i park', answer, ['garage']),
  ask('parking asr', 'is there parking', answer, ['garage']),
  ask('insurance', 'do you take insurance', answer, ['delta dental']),
  ask('insurance named', 'do you accept cigna', answer, ['cigna']),
  ask('payment', 'can i pay with a credit card', answer, ['credit']),
  ask('cancellation', 'what is your cancellation policy', answer, ['24 hours']),
  ask('cancel how', 'how do i cancel my appointment', answer, ['24 hours']),
  ask('address', 'what is your address', answer, ['lamar']),
  ask('location asr', 'where are you guys located', answer, ['lamar']),
  ask('walk ins', 'do you take walk ins', answer, ['appointment']),
  ask('new patients', 'are you accepting new patients', answer, ['new patients']),
  ask('children', 'do you see children', answer, ['children']),
  ask('anxiety', 'i am really nervous about the dentist', answer, ['headphones']),
  ask('financing', 'do you offer payment plans', answer, ['carecredit']),
  ask('phone number', 'what is your phone number', answer, ['555']),
  ask('website', 'do you have a website', answer, ['brightsmile']),
  // People
  ask('human', 'can i talk to a person', transfer, ['connecting']),
  ask('human asr', 'i want to speak to a real you man being', transfer),
  ask('representative', 'representative', transfer),
  ask('representative asr', 'let me talk to a represent a tive please', transfer),
  ask('manager', 'i need to speak with the manager', transfer),
  ask('operator', 'operator', transfer),
  ask('someone', 'can i speak to some one at the front desk', transfer),
  ask('billing', 'i have a question about my bill i was charged twice', transfer),
  ask('complaint', 'i want to make a complaint', transfer),
  // Goodbyes
  ask('bye', 'bye', end, ['have a great day']),
  ask('thanks all', 'thanks that is all', end),
  ask('no thanks', 'no thanks that is everything', end),
  ask('have a good day', 'alright thank you have a good day', end),
  ask('okay bye asr', 'okay by', end),
  ask('good bye asr', 'good by', end),
  // Off-topic and unanswerable: a person, never a guess
  ask('weather', 'what is the weather like today in dallas', transfer),
  ask('pizza', 'do you deliver pizza', transfer),
  ask('braces', 'do you do braces and how much do they cost', transfer),
  ask('implants', 'how much is a dental implant', transfer),
  ask('dentist name', 'who is the hygienist on staff', transfer),
  ask('filler', 'um uh', answer),
  ask('unclear', 'hello', answer),
  // Bookings
  {
    name: 'book tomorrow at three',
    turns: [
      { say: 'i would like to book a cleaning tomorrow at three', tool: book, expect: ['tuesday, december 2 at 3 pm', 'shall i book'] },
      { say: 'yes please', tool: book, expect: ['all set'] },
      { say: 'no thats all thanks bye', tool: end },
    ],
  },
  {
    name: 'book slot filling',
    turns: [
      { say: 'i need to make an appointment', tool: book, expect: ['which service'] },
      { say: 'a whitening', tool: book, expect: ['what day'] },
      { say: 'next tuesday afternoon', tool: book, expect: ['what time'] },
      { say: 'two thirty', tool: book, expect: ['2:30 pm', 'shall i book'] },
      { say: 'yeah', tool: book, expect: ['all set'] },
    ],
  },
  {
    name: 'book taken offers alternatives',
    turns: [
      { say: 'can i schedule a cleaning on wednesday at 10 am', tool: book, expect: ["isn't available", 'could do'] },
      { say: 'yes', tool: book, expect: ['shall i book'] },
      { say: 'yes book it', tool: book, expect: ['all set'] },
    ],
  },
  {
    name: 'book change time after read-back',
    turns: [
      { say: 'book and a point meant for an exam on thursday at nine am', tool: book, expect: ['thursday, december 4 at 9 am'] },
      { say: 'no make it ten thirty', tool: book, expect: ['10:30 am'] },
      { say: 'correct', tool: book, expect: ['all set'] },
    ],
  },
  {
    name: 'book with the verb misheard',
    turns: [
      { say: 'i would like to buck a cleaning for next monday yet nine in the morning', tool: book, expect: ['monday, december 8 at 9 am', 'shall i book'] },
      { say: 'yes please book it', tool: book, expect: ['all set'] },
    ],
  },
  {
    name: 'book on a closed day',
    turns: [
      { say: 'do you have any openings on sunday at eleven for a filling', tool: book, expect: ["isn't available"] },
      { say: 'okay the first one', tool: book },
    ],
  },
  {
    name: 'book then human',
    turns: [
      { say: 'i want to book a kids checkup', tool: book, expect: ['what day'] },
      { say: 'actually can i just talk to a person', tool: transfer },
    ],
  },
  {
    name: 'book with date then goodbye',
    turns: [
      { say: 'can i get in for a cleaning on friday', tool: book, expect: ['what time'] },
      { say: 'never mind bye', tool: end },
    ],
  },
  {
    name: 'question then book then bye',
    turns: [
      { say: 'how much is whitening', tool: answer, expect: ['$350'] },
      { say: 'ok i would like to book that for december 10th at 1 pm', tool: book },
      { say: 'whitening', tool: book, expect: ['shall i book'] },
      { say: 'sounds good', tool: book, expect: ['all set'] },
      { say: 'thank you goodbye', tool: end },
    ],
  },
  {
    name: 'emergency booking asr',
    turns: [
      { say: 'i have tooth pain can i come in tomorrow morning at eight thirty', tool: book, expect: ['8:30 am'] },
      { say: 'yep', tool: book, expect: ['all set'] },
    ],
  },
  {
    name: 'read-back rejected',
    turns: [
      { say: 'schedule a cleaning for thursday at 2 pm', tool: book, expect: ['shall i book'] },
      { say: 'no', tool: book, expect: ['day'] },
      { say: 'friday at 9 am', tool: book, expect: ['friday, december 5 at 9 am'] },
      { say: 'yes', tool: book, expect: ['all set'] },
    ],
  },
];
