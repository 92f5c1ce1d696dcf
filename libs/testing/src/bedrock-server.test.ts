import { request } from 'node:http';
import { EventStreamCodec } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/core/serde';
import { describe, expect, it } from 'vitest';
import { BedrockServer, bedrockEvents, splitText } from './bedrock-server';

/** A raw HTTP/1.1 POST, so the harness is checked without the SDK. */
function post(endpoint: string, path: string, headers: Record<string, string>, body: string) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
    const req = request(`${endpoint}${path}`, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const SIGNED = {
  authorization: `AWS4-HMAC-SHA256 Credential=AKIDTEST/20251201/us-east-1/bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'a'.repeat(64)}`,
  'x-amz-date': '20251201T160000Z',
};

describe('BedrockServer harness', () => {
  it('answers a signed ConverseStream request with event stream messages, and records it', async () => {
    const server = await BedrockServer.start();
    try {
      server.reply([bedrockEvents.messageStart(), ...bedrockEvents.toolUse(0, 't1', 'end_call', { reason: 'bye' }, 3), bedrockEvents.exception('throttlingException', 'slow down')]);
      const res = await post(server.endpoint, '/model/global.anthropic.claude-haiku-4-5-20251001-v1%3A0/converse-stream', SIGNED, '{"messages":[]}');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/vnd.amazon.eventstream');

      const codec = new EventStreamCodec(toUtf8, fromUtf8);
      // Each message starts with its total length (big-endian uint32).
      const frames: Buffer[] = [];
      for (let at = 0; at < res.body.length; at += res.body.readUInt32BE(at)) frames.push(res.body.subarray(at, at + res.body.readUInt32BE(at)));
      const messages = frames.map((frame) => codec.decode(frame)).map((m) => ({
        type: m.headers[':message-type']?.value, name: m.headers[':event-type']?.value ?? m.headers[':exception-type']?.value, body: JSON.parse(toUtf8(m.body)) as Record<string, unknown>,
      }));
      expect(messages.map((m) => `${String(m.type)}:${String(m.name)}`)).toEqual([
        'event:messageStart', 'event:contentBlockStart', 'event:contentBlockDelta', 'event:contentBlockDelta', 'event:contentBlockDelta', 'event:contentBlockStop', 'exception:throttlingException',
      ]);
      const input = messages.slice(2, 5).map((m) => (m.body['delta'] as { toolUse: { input: string } }).toolUse.input).join('');
      expect(JSON.parse(input)).toEqual({ reason: 'bye' });
      expect(messages[0]?.body).toMatchObject({ role: 'assistant', p: expect.any(String) });
      expect(messages[6]?.body).toEqual({ message: 'slow down' });
      expect(server.requests).toMatchObject([{ modelId: 'global.anthropic.claude-haiku-4-5-20251001-v1:0', signedBy: { accessKeyId: 'AKIDTEST', region: 'us-east-1', service: 'bedrock' }, body: { messages: [] } }]);
    } finally {
      await server.close();
    }
  });

  it('refuses an unsigned request and answers scripted HTTP errors the restJson1 way', async () => {
    const server = await BedrockServer.start();
    try {
      const unsigned = await post(server.endpoint, '/model/m/converse-stream', {}, '{}');
      expect(unsigned.status).toBe(403);
      expect(unsigned.headers['x-amzn-errortype']).toBe('AccessDeniedException');
      server.reply({ status: 429, errorType: 'ThrottlingException', message: 'Too many requests' });
      const throttled = await post(server.endpoint, '/model/m/converse-stream', SIGNED, '{}');
      expect(throttled.status).toBe(429);
      expect(JSON.parse(throttled.body.toString())).toEqual({ message: 'Too many requests' });
      expect(server.requests).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it('splits text into the asked number of pieces', () => {
    expect(splitText('{"reason":"bye"}', 3)).toEqual(['{"reas', 'on":"b', 'ye"}']);
    expect(splitText('', 3)).toEqual(['']);
  });
});
