import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { escalation } from '@voiceagent/contracts';
import { handoffs, MEMORY_DATA_DIR, openDatabase, outbox, voicemails, type Database } from '@voiceagent/db';
import type { KnowledgeSource } from '@voiceagent/knowledge';
import { escalationClient, type EscalationClient } from '@voiceagent/rpc';
import { createLogger } from '@voiceagent/telemetry';
import { PostgresServer } from '@voiceagent/testing';
import { DrizzleEscalationStore } from '../src/adapters/drizzle-escalation-store';
import { startEscalationServer, type EscalationServer } from '../src/main';
import { handoffRequest, office } from './fixtures';

const knowledge: KnowledgeSource = { current: office, onChange: () => () => undefined };

let postgres: Promise<PostgresServer> | undefined;
afterAll(async () => {
  await (await postgres)?.dispose();
});

const fixtures: Array<{ name: string; open: () => Promise<Database> }> = [
  { name: 'pglite', open: () => openDatabase({ dataDir: MEMORY_DATA_DIR }) },
  {
    name: 'postgres',
    open: async () => {
      const server = await (postgres ??= PostgresServer.start());
      return openDatabase({ url: await server.createDatabase('escalation'), dataDir: MEMORY_DATA_DIR, poolSize: 5 });
    },
  },
];

describe.each(fixtures)('EscalationService over gRPC on $name', ({ open }) => {
  let database: Database;
  let server: EscalationServer;
  let client: EscalationClient;
  const voicemailDir = mkdtempSync(join(tmpdir(), 'escalation-vm-'));

  beforeAll(async () => {
    database = await open();
    // No webhooks: the outbox rows stay put for the assertions.
    server = await startEscalationServer({
      knowledge,
      database,
      logger: createLogger({ service: 'escalation-test', level: 'silent' }),
      host: '127.0.0.1',
      port: 0,
      voicemailDir,
      webhooks: [],
      webhookSecret: undefined,
      graceMs: 1_000,
    });
    client = escalationClient(`127.0.0.1:${server.port}`, { timeoutMs: 10_000 });
  });

  afterAll(async () => {
    client?.close();
    await server?.stop();
    await database?.close();
    rmSync(voicemailDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await database.db.delete(outbox);
    await database.db.delete(handoffs);
    await database.db.delete(voicemails);
  });

  it('creates a handoff with the target the knowledge file picks, and writes its outbox row', async () => {
    const handoff = await client.createHandoff(handoffRequest());
    expect(handoff).toMatchObject({
      callId: 'call-1',
      callerNumber: '+13125550100',
      reason: 'complaint',
      summary: 'Caller unhappy with last visit.',
      target: { name: 'front desk', address: { $case: 'sipUri', sipUri: 'sip:desk@pbx.example.com' } },
    });
    expect(handoff.transcript.map((line) => [line.speaker, line.text])).toEqual([
      [escalation.Speaker.SPEAKER_CALLER, 'I want to talk to a person.'],
      [escalation.Speaker.SPEAKER_AGENT, 'Let me transfer you.'],
    ]);
    expect(handoff.transcript[1]!.time).toEqual(new Date('2025-07-01T15:00:05Z'));

    const billing = await client.createHandoff(handoffRequest({ reason: 'billing' }));
    expect(billing.target).toEqual({ name: 'billing', address: { $case: 'phoneNumber', phoneNumber: '+13125550111' } });
    const named = await client.createHandoff(handoffRequest({ targetName: 'The Manager' }));
    expect(named.target).toEqual({ name: 'the manager', address: { $case: 'connectQueue', connectQueue: 'managers' } });

    const rows = await database.db.select().from(outbox);
    expect(rows).toHaveLength(3);
    expect(rows.every((row) => row.topic === 'handoff.created' && row.deliveredAt === null && row.attempts === 0)).toBe(true);
    expect(rows.map((row) => (row.payload as { id: string }).id).sort()).toEqual([handoff.id, billing.id, named.id].sort());
  });

  it('lists handoffs newest first, by caller and with a limit', async () => {
    const first = await client.createHandoff(handoffRequest());
    const second = await client.createHandoff(handoffRequest({ callId: 'call-2' }));
    const other = await client.createHandoff(handoffRequest({ callerNumber: '+13125550199' }));
    const mine = await client.listHandoffs({ callerNumber: '+13125550100' });
    expect(mine.map((h) => h.id).sort()).toEqual([first.id, second.id].sort());
    expect(mine[0]).toEqual(mine.find((h) => h.id === mine[0]!.id));
    expect(await client.listHandoffs()).toHaveLength(3);
    expect(await client.listHandoffs({ limit: 1 })).toHaveLength(1);
    expect(await client.listHandoffs({ callerNumber: '+13125550199' })).toEqual([other]);
  });

  it('refuses bad requests with INVALID_ARGUMENT and a reason, storing nothing', async () => {
    const cases: Array<[Partial<escalation.CreateHandoffRequest>, RegExp]> = [
      [{ callId: ' ' }, /call_id: is required/],
      [{ reason: '' }, /reason: is required/],
      [{ summary: '' }, /summary: is required/],
      [{ summary: 'x'.repeat(501) }, /summary: is longer than 500/],
      [{ targetName: 'nobody' }, /target_name: unknown transfer target "nobody"/],
    ];
    for (const [change, reason] of cases) {
      await expect(client.createHandoff(handoffRequest(change))).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, message: expect.stringMatching(reason) });
    }
    await expect(client.storeVoicemail({ callId: 'c', pcm: new Uint8Array(3), sampleRateHz: 8_000 })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      message: expect.stringMatching(/pcm: must be whole 16-bit samples/),
    });
    await expect(client.storeVoicemail({ callId: 'c', pcm: new Uint8Array(4), sampleRateHz: 0 })).rejects.toMatchObject({
      message: expect.stringMatching(/sample_rate_hz/),
    });
    expect(await database.db.select().from(handoffs)).toEqual([]);
    expect(await database.db.select().from(outbox)).toEqual([]);
  });

  it('stores a voicemail as a WAV file linked to the caller, with its transcript and outbox row', async () => {
    // One second of 8 kHz silence.
    const pcm = new Uint8Array(16_000);
    const voicemail = await client.storeVoicemail({ callId: 'call-vm', callerNumber: '+13125550100', pcm, sampleRateHz: 8_000, transcript: 'Please call me back.' });
    expect(voicemail).toMatchObject({ callId: 'call-vm', callerNumber: '+13125550100', durationMs: 1_000, transcript: 'Please call me back.' });
    expect(voicemail.recordingPath.startsWith(voicemailDir)).toBe(true);
    const wav = readFileSync(voicemail.recordingPath);
    expect(wav.subarray(0, 4).toString('ascii')).toBe('RIFF');
    expect(wav.readUInt32LE(24)).toBe(8_000);
    expect(wav.length).toBe(44 + 16_000);
    expect(await client.listVoicemails({ callerNumber: '+13125550100' })).toEqual([voicemail]);
    expect(await client.listVoicemails({ callerNumber: '+13125550199' })).toEqual([]);
    const rows = await database.db.select().from(outbox);
    expect(rows.map((row) => [row.topic, (row.payload as { id: string }).id])).toEqual([['voicemail.stored', voicemail.id]]);
  });

  it('hands each due outbox row to one of two simultaneous senders, and again only after its retry time', async () => {
    for (const callId of ['o1', 'o2', 'o3', 'o4', 'o5', 'o6']) await client.createHandoff(handoffRequest({ callId }));
    const a = new DrizzleEscalationStore(database.db);
    const b = new DrizzleEscalationStore(database.db);
    const now = new Date(Date.now() + 1_000);
    const lease = new Date(now.getTime() + 60_000);
    const [first, second] = await Promise.all([a.claimDue(now, lease, 4), b.claimDue(now, lease, 4)]);
    const ids = [...first, ...second].map((item) => item.id);
    expect(new Set(ids).size).toBe(ids.length);
    const rest = await a.claimDue(now, lease, 10);
    expect(ids.length + rest.length).toBe(6);
    // All leased now: nothing is due until the lease ends.
    expect(await a.claimDue(now, lease, 10)).toEqual([]);

    const [failed, delivered] = [first[0] ?? second[0]!, rest[0] ?? second[1]!];
    await a.markFailed(failed.id, 'HTTP 503', now);
    await a.markDelivered(delivered.id, now);
    const again = await a.claimDue(now, lease, 10);
    expect(again.map((item) => [item.id, item.attempts])).toEqual([[failed.id, 1]]);
    const afterLease = await a.claimDue(new Date(lease.getTime() + 1), new Date(lease.getTime() + 2), 10);
    expect(afterLease.map((item) => item.id)).not.toContain(delivered.id);
    expect(afterLease).toHaveLength(5);
    const [row] = await database.db.select().from(outbox).where(eq(outbox.id, failed.id));
    expect(row).toMatchObject({ attempts: 1, lastError: 'HTTP 503', deliveredAt: null });
  });
});
