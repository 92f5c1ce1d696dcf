/**
 * DEEPGRAM_URL read one way for every Deepgram engine. It lives here, next
 * to the schema that declares the variable, because both @voiceagent/stt and
 * @voiceagent/tts read it and neither depends on the other, while both
 * already depend on this library (a shared module anywhere else would add a
 * dependency just for this).
 */

/** DEEPGRAM_URL in the two forms Deepgram is reached by, without a trailing slash. */
export interface DeepgramUrls {
  /** http(s): REST requests (`POST /v1/speak`). */
  readonly rest: string;
  /** ws(s): streaming WebSockets (`/v1/listen`, `/v1/speak`). */
  readonly socket: string;
}

const schemes: Readonly<Record<string, { rest: string; socket: string }>> = {
  'http:': { rest: 'http:', socket: 'ws:' },
  'https:': { rest: 'https:', socket: 'wss:' },
  'ws:': { rest: 'http:', socket: 'ws:' },
  'wss:': { rest: 'https:', socket: 'wss:' },
};

/**
 * The REST and WebSocket forms of a Deepgram base URL (`https://api.deepgram.com`,
 * an EU or self-hosted endpoint, with or without a path). An http(s) or
 * ws(s) URL is accepted; anything else is refused with a message naming the variable.
 */
export function deepgramUrls(url: string): DeepgramUrls {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`DEEPGRAM_URL must be a URL such as https://api.deepgram.com; got "${url}"`);
  }
  const scheme = schemes[parsed.protocol];
  if (!scheme) throw new Error(`DEEPGRAM_URL must be an http(s) or ws(s) URL such as https://api.deepgram.com; got "${url}"`);
  const rest = `${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`;
  return { rest: `${scheme.rest}//${rest}`, socket: `${scheme.socket}//${rest}` };
}
