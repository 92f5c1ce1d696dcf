/**
 * Rewrites written text the way it should be spoken on the phone, before it
 * reaches an engine that would otherwise read "$45.50", "9:30am" or
 * "555-123-4567" in its own way (espeak-ng and flite disagree). Small on
 * purpose: the forms a business agent actually says: prices, times, phone
 * numbers, common abbreviations and symbols, and stray markdown from an LLM.
 */

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

/** 0–99 in words ("forty five"). */
export function twoDigitWords(n: number): string {
  if (n < 20) return ONES[n] ?? '';
  const tens = TENS[Math.floor(n / 10)] ?? '';
  return n % 10 === 0 ? tens : `${tens} ${ONES[n % 10] ?? ''}`;
}

function spellDigits(digits: string): string {
  return [...digits].map((d) => ONES[Number(d)] ?? d).join(' ');
}

const CURRENCIES: Record<string, [one: string, many: string]> = { $: ['dollar', 'dollars'], '€': ['euro', 'euros'], '£': ['pound', 'pounds'] };

function price(symbol: string, whole: string, cents: string | undefined, scale: string | undefined): string {
  const [one, many] = CURRENCIES[symbol] ?? ['dollar', 'dollars'];
  if (scale) return `${whole}${cents ? `.${cents}` : ''} ${scale} ${many}`; // "$1.5 million" → "1.5 million dollars"
  const units = Number(whole.replace(/,/g, ''));
  const cent = cents === undefined ? 0 : Number(cents.padEnd(2, '0'));
  const unitWord = units === 1 ? one : many;
  const centWords = symbol === '$' ? (cent === 1 ? 'cent' : 'cents') : 'cents';
  if (cent === 0) return `${units} ${unitWord}`;
  if (units === 0) return `${cent} ${centWords}`;
  return `${units} ${unitWord} and ${cent} ${centWords}`;
}

function clock(hour: number, minute: number, suffix: string | undefined): string | undefined {
  const meridiem = suffix ? (/^a/i.test(suffix) ? 'a m' : 'p m') : undefined;
  if (minute > 59 || hour > 23 || (meridiem && (hour > 12 || hour === 0))) return undefined;
  const h = twoDigitWords(hour);
  const m = minute === 0 ? (meridiem ? '' : " o'clock") : minute < 10 ? ` oh ${twoDigitWords(minute)}` : ` ${twoDigitWords(minute)}`;
  return `${h}${m}${meridiem ? ` ${meridiem}` : ''}`;
}

/** Phone number digit groups → "five five five, one two three, four five six seven". */
function phone(match: string): string {
  const plus = match.trim().startsWith('+');
  let groups = match.split(/[^\d]+/).filter(Boolean);
  if (groups.length === 1) {
    const d = groups[0] ?? '';
    if (d.length === 10) groups = [d.slice(0, 3), d.slice(3, 6), d.slice(6)];
    else if (d.length === 11 && d.startsWith('1')) groups = [d.slice(0, 1), d.slice(1, 4), d.slice(4, 7), d.slice(7)];
  }
  return `${plus ? 'plus ' : ''}${groups.map(spellDigits).join(', ')}`;
}

// 3-3-4 with separators (optionally "+44 " or "1-" first), a bare run of 10–15 digits, or a local 3-4.
const PHONE = new RegExp(
  [
    String.raw`(?:\+\d{1,3}[\s.-]?|\b1[\s.-])?(?:\(\d{3}\)\s?|\b\d{3}[\s.-])\d{3}[\s.-]\d{4}`,
    String.raw`\+?\b\d{10,15}`,
    String.raw`\b\d{3}-\d{4}`,
  ]
    .map((p) => String.raw`(?<![\w$€£.,+-])${p}(?!\w|[.,]\d)`)
    .join('|'),
  'g',
);

const MERIDIEM = String.raw`(?:[aApP]\.?\s?[mM]\b\.?)`;

const ABBREVIATIONS: [RegExp, string][] = [
  [/\bMr\./g, 'Mister'],
  [/\bMrs\./g, 'Missus'],
  [/\bMs\./g, 'Miz'],
  [/\bDr\./g, 'Doctor'],
  [/\bProf\./g, 'Professor'],
  [/\b([A-Z][a-z]+ )St\.(?= *(?:[,;]|$| [a-z]))/g, '$1Street'], // "Main St." / "Main St, ..." — the street, not a saint
  [/\bSt\.(?= [A-Z])/g, 'Saint'],
  [/\bAve\./g, 'Avenue'],
  [/\bBlvd\./g, 'Boulevard'],
  [/\bRd\./g, 'Road'],
  [/\bSte\.(?= ?\d)/g, 'Suite'],
  [/\bApt\.(?= ?\d)/g, 'Apartment'],
  [/\bNo\.(?= ?\d)/g, 'number'],
  [/#(?=\d)/g, 'number '],
  [/\be\.g\.(?=\s|,|$)/gi, 'for example'],
  [/\bi\.e\.(?=\s|,|$)/gi, 'that is'],
  [/\betc\./gi, 'et cetera'],
  [/\bvs\.?(?= )/g, 'versus'],
  [/\bapprox\./gi, 'approximately'],
  [/\bappt\.?(?=\s|$)/gi, 'appointment'],
  [/\bw\/(?=\s)/g, 'with'],
  [/(\d)\s?%/g, '$1 percent'],
  [/\s&\s/g, ' and '],
];

export function normalizeForSpeech(input: string): string {
  let text = input
    // Markdown an LLM may emit: links keep their label, emphasis and headings lose their marks.
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/[*_`]{1,3}([^*_`]+)[*_`]{1,3}/g, '$1')
    .replace(/^\s*(?:#{1,6}|[-*•])\s+/gm, '')
    .replace(/[*`]/g, '');

  // Phone numbers before prices and times, which would claim their digits.
  text = text.replace(PHONE, phone);

  text = text.replace(/([$€£])\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?(?:\s?(thousand|million|billion)\b)?/g, (_m, sym: string, whole: string, cents: string | undefined, scale: string | undefined) =>
    price(sym, whole, cents, scale),
  );

  // Times, with ranges ("9am-5pm" → "nine a m to five p m").
  const time = new RegExp(String.raw`\b(\d{1,2})(?::(\d{2}))?(\s?${MERIDIEM})?(?![\d:])`, 'g');
  text = text.replace(new RegExp(String.raw`(\d(?::\d{2})?\s?${MERIDIEM}?)\s?[-–]\s?(?=\d{1,2}(?::\d{2})?\s?${MERIDIEM})`, 'g'), '$1 to ');
  text = text.replace(time, (match, h: string, m: string | undefined, suffix: string | undefined) => {
    if (m === undefined && suffix === undefined) return match; // a plain number
    return clock(Number(h), Number(m ?? 0), suffix?.trim()) ?? match;
  });

  for (const [pattern, spoken] of ABBREVIATIONS) text = text.replace(pattern, spoken);

  // Thousands separators read as pauses by some engines.
  text = text.replace(/(\d),(?=\d{3}\b)/g, '$1');
  text = text.replace(/\s+/g, ' ').trim();
  // An abbreviation that ended the sentence took its full stop with it.
  if (/[.!?]\s*$/.test(input.trim()) && !/[.!?]$/.test(text) && text) text += '.';
  return text;
}
