import { and, asc, desc, eq, inArray, isNull, lte, sql } from 'drizzle-orm';
import { handoffs, outbox, voicemails, type Db, type TranscriptEntry } from '@voiceagent/db';
import type { TransferTarget } from '@voiceagent/knowledge';
import type { HandoffView, NewHandoff, NewVoicemail, Notification, Speaker, VoicemailView } from '../domain/escalation';
import type { EscalationStore, Outbox, OutboxItem } from '../ports/escalation-store';

/** Hand-offs, voicemails and the outbox in Postgres/PGlite via drizzle. */
export class DrizzleEscalationStore implements EscalationStore, Outbox {
  constructor(private readonly db: Db) {}

  async createHandoff(handoff: NewHandoff, notification: Notification): Promise<HandoffView> {
    // One transaction: a hand-off is never stored without its notification, nor notified without being stored.
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(handoffs)
        .values({
          id: handoff.id,
          callId: handoff.callId,
          callerNumber: handoff.callerNumber ?? null,
          reason: handoff.reason,
          summary: handoff.summary,
          transcript: handoff.transcript.map((line): TranscriptEntry => ({ role: line.speaker, text: line.text, at: line.at.toISOString() })),
          // The target as it was when handed off: the knowledge file may change later.
          target: JSON.stringify(handoff.target),
        })
        .returning();
      await tx.insert(outbox).values({ topic: notification.type, payload: notification.data });
      if (!row) throw new Error('insert into handoffs returned no row');
      return toHandoff(row);
    });
  }

  async listHandoffs(callerNumber: string | undefined, limit: number): Promise<HandoffView[]> {
    const rows = await this.db
      .select()
      .from(handoffs)
      .where(callerNumber ? eq(handoffs.callerNumber, callerNumber) : undefined)
      .orderBy(desc(handoffs.createdAt), desc(handoffs.id))
      .limit(limit);
    return rows.map(toHandoff);
  }

  async createVoicemail(voicemail: NewVoicemail, notification: Notification): Promise<VoicemailView> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(voicemails)
        .values({ ...voicemail, callerNumber: voicemail.callerNumber ?? null, transcript: voicemail.transcript ?? null })
        .returning();
      await tx.insert(outbox).values({ topic: notification.type, payload: notification.data });
      if (!row) throw new Error('insert into voicemails returned no row');
      return toVoicemail(row);
    });
  }

  async listVoicemails(callerNumber: string | undefined, limit: number): Promise<VoicemailView[]> {
    const rows = await this.db
      .select()
      .from(voicemails)
      .where(callerNumber ? eq(voicemails.callerNumber, callerNumber) : undefined)
      .orderBy(desc(voicemails.createdAt), desc(voicemails.id))
      .limit(limit);
    return rows.map(toVoicemail);
  }

  async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<OutboxItem[]> {
    // SKIP LOCKED plus the pushed-forward next_attempt_at lets several senders share the outbox without double work.
    const due = this.db
      .select({ id: outbox.id })
      .from(outbox)
      .where(and(isNull(outbox.deliveredAt), lte(outbox.nextAttemptAt, now)))
      .orderBy(asc(outbox.nextAttemptAt))
      .limit(limit)
      .for('update', { skipLocked: true });
    const rows = await this.db.update(outbox).set({ nextAttemptAt: leaseUntil }).where(inArray(outbox.id, due)).returning();
    return rows
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .map((row) => ({ id: row.id, type: row.topic, createdAt: row.createdAt, data: row.payload, attempts: row.attempts }));
  }

  async markDelivered(id: string, at: Date): Promise<void> {
    await this.db.update(outbox).set({ deliveredAt: at, lastError: null }).where(eq(outbox.id, id));
  }

  async markFailed(id: string, error: string, nextAttemptAt: Date): Promise<void> {
    await this.db
      .update(outbox)
      .set({ attempts: sql`${outbox.attempts} + 1`, lastError: error.slice(0, 1_000), nextAttemptAt })
      .where(eq(outbox.id, id));
  }
}

const SPEAKERS: Record<TranscriptEntry['role'], Speaker> = { caller: 'caller', agent: 'agent', system: 'system' };

function toHandoff(row: typeof handoffs.$inferSelect): HandoffView {
  return {
    id: row.id,
    callId: row.callId,
    callerNumber: row.callerNumber ?? undefined,
    reason: row.reason,
    summary: row.summary,
    transcript: row.transcript.map((line) => ({ speaker: SPEAKERS[line.role], text: line.text, at: new Date(line.at) })),
    target: parseTarget(row.target),
    createdAt: row.createdAt,
  };
}

function parseTarget(stored: string | null): TransferTarget {
  if (!stored) return { id: '', kind: 'sip', address: '' };
  return JSON.parse(stored) as TransferTarget;
}

function toVoicemail(row: typeof voicemails.$inferSelect): VoicemailView {
  return {
    id: row.id,
    callId: row.callId,
    callerNumber: row.callerNumber ?? undefined,
    recordingPath: row.recordingPath,
    durationMs: row.durationMs,
    transcript: row.transcript ?? undefined,
    createdAt: row.createdAt,
  };
}
