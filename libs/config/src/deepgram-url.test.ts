import { describe, expect, it } from 'vitest';
import { deepgramUrls } from './index';

describe('deepgramUrls (DEEPGRAM_URL for every Deepgram engine)', () => {
  it('gives the REST and WebSocket forms of an http(s) or ws(s) URL, path kept, trailing slash dropped', () => {
    expect(deepgramUrls('https://api.deepgram.com')).toEqual({ rest: 'https://api.deepgram.com', socket: 'wss://api.deepgram.com' });
    expect(deepgramUrls('http://127.0.0.1:8080/')).toEqual({ rest: 'http://127.0.0.1:8080', socket: 'ws://127.0.0.1:8080' });
    expect(deepgramUrls('wss://api.eu.deepgram.com/')).toEqual({ rest: 'https://api.eu.deepgram.com', socket: 'wss://api.eu.deepgram.com' });
    expect(deepgramUrls('ws://deepgram.internal:8080/proxy//')).toEqual({ rest: 'http://deepgram.internal:8080/proxy', socket: 'ws://deepgram.internal:8080/proxy' });
  });

  it('refuses anything else, naming the variable', () => {
    expect(() => deepgramUrls('ftp://example.com')).toThrow('DEEPGRAM_URL must be an http(s) or ws(s) URL such as https://api.deepgram.com; got "ftp://example.com"');
    expect(() => deepgramUrls('api.deepgram.com')).toThrow(/DEEPGRAM_URL must be a URL such as https:\/\/api\.deepgram\.com; got "api\.deepgram\.com"/);
  });
});
