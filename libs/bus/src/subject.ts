import { BusError } from './port';

/** Matches a concrete subject against a NATS-style pattern (`*` one token, `>` the rest). */
export function subjectMatches(pattern: string, subject: string): boolean {
  if (pattern === subject) return true;
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    const token = p[i];
    if (token === '>') return s.length > i;
    if (i >= s.length) return false;
    if (token !== '*' && token !== s[i]) return false;
  }
  return p.length === s.length;
}

export function isWildcard(subject: string): boolean {
  return subject.split('.').some((t) => t === '*' || t === '>');
}

/** Rejects what NATS rejects: empty tokens, whitespace, misplaced `>`. */
export function assertValidSubject(subject: string, { allowWildcards }: { allowWildcards: boolean }): void {
  const tokens = subject.split('.');
  const bad = (why: string): never => {
    throw new BusError(`invalid subject "${subject}": ${why}`);
  };
  if (subject.length === 0) bad('empty');
  tokens.forEach((t, i) => {
    if (t.length === 0) bad('empty token');
    if (/\s/.test(t)) bad('whitespace');
    if (t === '*' || t === '>') {
      if (!allowWildcards) bad('wildcards are only allowed when subscribing');
      if (t === '>' && i !== tokens.length - 1) bad('">" must be the last token');
    } else if (t.includes('*') || t.includes('>')) {
      bad('wildcards must be whole tokens');
    }
  });
}
