import { countPhrases, hasPhrase } from './text';

/**
 * Intent cues over normalized caller text. Each intent scores by the cues it
 * matches; the policy picks the strongest. Phrases, not single words, where a
 * word alone is ambiguous ("person" in "in person", "agent" in "virtual agent").
 */

const TRANSFER_STRONG = [
  'speak to a human', 'talk to a human', 'speak with a human', 'talk with a human', 'a real person', 'real person', 'actual person', 'live person',
  'speak to someone', 'talk to someone', 'speak with someone', 'talk with someone', 'speak to a person', 'talk to a person', 'speak with a person',
  'talk with a person', 'speak to somebody', 'talk to somebody', 'representative', 'operator', 'receptionist', 'front desk', 'manager',
  'live agent', 'a human', 'human please', 'transfer me', 'put me through', 'connect me', 'customer service', 'your office manager',
  'speak to the doctor', 'talk to the doctor', 'speak to dr', 'talk to dr', 'speak to a real', 'talk to a real', 'staff member', 'an agent',
];
const COMPLAINT = ['complaint', 'complain', 'unhappy', 'terrible service', 'not happy'];
const BILLING = ['billing', 'my bill', 'a bill', 'invoice', 'charged twice', 'refund', 'statement'];

const END = [
  'bye', 'goodbye', 'bye now', 'that is all', 'that is it', 'that will be all', "that'll be all", 'nothing else', 'no thanks', 'no thank you',
  'have a good day', 'have a nice day', 'have a great day', 'talk to you later', 'see you', 'hang up', 'i am done', 'all set', 'i am all set',
  'that was all', 'that is everything', 'thanks for your help', 'thank you for your help', 'cheers', 'take care', 'nope that is all',
];

const BOOK = [
  'book', 'booking', 'appointment', 'schedule', 'reserve', 'make an appointment', 'set up', 'come in', 'get in', 'available', 'availability',
  'openings', 'opening for', 'slot', 'an opening', 'see the dentist', 'see a dentist', 'get a cleaning', 'need a cleaning', 'want a cleaning',
  'get my teeth', 'fit me in', 'squeeze me in',
];
// Questions about appointments that the FAQ answers rather than the booking flow.
const BOOK_FAQ = ['your schedule', 'your hours', 'cancel', 'cancellation', 'reschedule', 'walk in', 'walk ins', 'need an appointment', 'do i need', 'online', 'how far', 'in advance', 'notice'];

const YES = ['yes', 'yeah', 'yep', 'yup', 'sure', 'correct', 'that is right', 'that is correct', 'sounds good', 'please do', 'go ahead', 'perfect', 'ok', 'okay', 'great', 'absolutely', 'book it', 'do it', 'that works', 'right'];
const NO = ['no', 'nope', 'nah', 'not right', 'wrong', 'actually', 'change', 'different'];

export type TransferReason = 'caller asked' | 'complaint' | 'billing';

export interface Cues {
  readonly transfer: number;
  readonly transferReason: TransferReason;
  readonly end: number;
  readonly book: number;
  readonly bookFaq: number;
  readonly yes: boolean;
  readonly no: boolean;
}

export function readCues(text: string): Cues {
  const complaint = countPhrases(text, COMPLAINT);
  const billing = countPhrases(text, BILLING);
  // A complaint or a billing dispute is a reason to want a person even without asking for one.
  const transfer = countPhrases(text, TRANSFER_STRONG) * 2 + (complaint > 0 ? 2 : 0) + (billing > 0 && !hasPhrase(text, 'pay') ? 2 : 0);
  const transferReason: TransferReason = complaint > 0 ? 'complaint' : billing > 0 ? 'billing' : 'caller asked';
  const words = text.split(' ');
  const first = words[0] ?? '';
  return {
    transfer,
    transferReason,
    end: countPhrases(text, END),
    book: countPhrases(text, BOOK),
    bookFaq: countPhrases(text, BOOK_FAQ),
    // Yes/no count when they open the turn ("yes please", "no make it four"), or are the turn.
    yes: YES.some((phrase) => text === phrase || text.startsWith(`${phrase} `)) || (words.length <= 4 && countPhrases(text, YES) > 0 && !NO.includes(first)),
    no: NO.includes(first) || text === 'no',
  };
}
