import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { escalationClient, type EscalationClient } from '@voiceagent/rpc';
import { startServices, type ServiceHarness } from '@voiceagent/runtime/testing';
import { eventually, freePort } from '@voiceagent/testing';
import { createEscalationService } from '../src/main';
import { handoffRequest, officeYaml } from './fixtures';

const SECRET = 'test-secret';

interface Received {
  readonly notificationId: string;
  readonly body: { id: string; type: string; createdAt: string; data: { id: string } };
  readonly signatureOk: boolean;
}

/** A webhook receiver that answers `answer` and keeps each notification once, by X-Notification-Id. */
async function startReceiver(port: number, answer: number, seen: Map<string, Received>, hits: { count: number }): Promise<Server> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      hits.count += 1;
      const raw = Buffer.concat(chunks);
      if (answer >= 200 && answer < 300) {
        const notificationId = String(request.headers['x-notification-id']);
        const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`);
        const given = Buffer.from(String(request.headers['x-signature']));
        const signatureOk = given.length === expected.length && timingSafeEqual(given, expected);
        // Duplicates are acknowledged but not counted again: that is what at-least-once asks of receivers.
        if (!seen.has(notificationId)) seen.set(notificationId, { notificationId, body: JSON.parse(raw.toString('utf8')) as Received['body'], signatureOk });
      }
      response.statusCode = answer;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

describe('webhook notifications across a restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'escalation-restart-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('delivers every handoff and voicemail exactly once per id, signed, after the receiver comes back', async () => {
    const knowledgeFile = join(dir, 'knowledge.yaml');
    writeFileSync(knowledgeFile, officeYaml());
    const port = await freePort();
    const env = {
      KNOWLEDGE_FILE: knowledgeFile,
      DATA_DIR: join(dir, 'data'),
      VOICEMAIL_DIR: join(dir, 'voicemail'),
      GRPC_HOST: '127.0.0.1',
      ESCALATION_GRPC_PORT: '0',
      SHUTDOWN_GRACE_MS: '2000',
      NOTIFY_WEBHOOKS: `http://127.0.0.1:${port}/hooks`,
      NOTIFY_WEBHOOK_SECRET: SECRET,
    };
    const service = createEscalationService({ pollMs: 20, backoff: { baseMs: 20, maxMs: 200 }, timeoutMs: 2_000 });
    const created = new Set<string>();
    const seen = new Map<string, Received>();
    const hits = { count: 0 };
    const startService = async () => {
      const h = await startServices([service], env);
      const listening = h.logs.find((line) => line.msg === 'escalation gRPC listening');
      return { h, client: escalationClient(`127.0.0.1:${String(listening?.port)}`, { timeoutMs: 10_000 }) };
    };
    let current: { h: ServiceHarness; client: EscalationClient } | undefined;
    const refusing = await startReceiver(port, 503, seen, hits);
    try {
      // First life: the receiver refuses everything, so all notifications stay pending.
      current = await startService();
      for (const callId of ['a', 'b', 'c']) created.add((await current.client.createHandoff(handoffRequest({ callId }))).id);
      const pcm = new Uint8Array(1_600);
      created.add((await current.client.storeVoicemail({ callId: 'vm', callerNumber: '+13125550100', pcm, sampleRateHz: 8_000, transcript: 'hi' })).id);
      await eventually(() => expect(hits.count).toBeGreaterThanOrEqual(8));
      expect(current.h.logs.some((line) => line.msg === 'webhook delivery failed')).toBe(true);
      current.client.close();
      await current.h.stop();
      current = undefined;

      // Second life with the receiver down: connection refused is retried like a 503.
      await close(refusing);
      current = await startService();
      created.add((await current.client.createHandoff(handoffRequest({ callId: 'd' }))).id);
      await eventually(() => expect(current!.h.logs.filter((line) => line.msg === 'webhook delivery failed').length).toBeGreaterThanOrEqual(2));
      current.client.close();
      await current.h.stop();
      current = undefined;

      // Third life: the receiver is up and accepts; everything pending, from both earlier lives, arrives.
      const accepting = await startReceiver(port, 204, seen, hits);
      try {
        current = await startService();
        created.add((await current.client.createHandoff(handoffRequest({ callId: 'e' }))).id);
        await eventually(() => expect(new Set([...seen.values()].map((r) => r.body.data.id))).toEqual(created), { timeoutMs: 15_000 });
        expect(seen.size).toBe(created.size);
        for (const received of seen.values()) {
          expect(received.signatureOk).toBe(true);
          expect(received.body.id).toBe(received.notificationId);
          expect(['handoff.created', 'voicemail.stored']).toContain(received.body.type);
          expect(Number.isNaN(Date.parse(received.body.createdAt))).toBe(false);
        }
        // Delivered rows are not sent again.
        const before = hits.count;
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(hits.count).toBe(before);
      } finally {
        await close(accepting);
      }
    } finally {
      current?.client.close();
      await current?.h.stop();
      await close(refusing).catch(() => undefined);
    }
  }, 40_000);
});
