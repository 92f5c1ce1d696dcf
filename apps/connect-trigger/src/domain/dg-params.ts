/**
 * Contact attributes → Deepgram parameters, with the rules of Deepgram's
 * Amazon Connect integration (so existing contact flows work unchanged):
 * only `dg_*` keys, prefix stripped; values trimmed; "unset" (any case) skips
 * the key; a value splits on unescaped spaces (`\ ` is a space, `\\` a
 * backslash, any other backslash stays); the tag `dg_amazonconnect` is always
 * present; `{contact-id}` in the callback is replaced by the contact id.
 */

export const CONNECT_TAG = 'dg_amazonconnect';

export class ContactAttributeError extends Error {
  override readonly name = 'ContactAttributeError';
}

export function splitUnescaped(value: string): string[] {
  const tokens: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    const next = value[i + 1];
    if (ch === '\\' && (next === ' ' || next === '\\')) {
      current += next;
      i++;
    } else if (ch === ' ') {
      if (current) tokens.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (current) tokens.push(current);
  return tokens;
}

export function dgParamsFromAttributes(attributes: Record<string, string> | null | undefined, contactId: string): Record<string, string[]> {
  const params: Record<string, string[]> = {};
  for (const [key, raw] of Object.entries(attributes ?? {})) {
    if (!key.startsWith('dg_')) continue;
    const value = raw.trim();
    if (value.toLowerCase() === 'unset') continue;
    const tokens = splitUnescaped(value);
    if (tokens.length > 0) params[key.slice(3)] = tokens;
  }
  const [callback, ...more] = params['callback'] ?? [];
  if (more.length > 0) throw new ContactAttributeError('More than one callback provided');
  if (callback) params['callback'] = [callback.replaceAll('{contact-id}', contactId)];
  const tags = params['tag'] ?? [];
  if (!tags.includes(CONNECT_TAG)) params['tag'] = [...tags, CONNECT_TAG];
  return params;
}
