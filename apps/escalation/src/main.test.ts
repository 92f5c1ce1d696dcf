import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { publishTo } from '@voiceagent/bus';
import { topics } from '@voiceagent/contracts';
import { escalationClient, RpcError } from '@voiceagent/rpc';
import { callStarted, startServices } from '@voiceagent/runtime/testing';
import { eventually } from '@voiceagent/testing';
import { handoffRequest, officeYaml } from '../test/fixtures';
import { escalationService } from './main';

describe('escalation service', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('serves EscalationService on the configured port, reports health, logs call lifecycle and stops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'escalation-'));
    dirs.push(dir);
    const knowledgeFile = join(dir, 'knowledge.yaml');
    writeFileSync(knowledgeFile, officeYaml());
    const h = await startServices([escalationService], {
      KNOWLEDGE_FILE: knowledgeFile,
      DATA_DIR: 'memory://',
      VOICEMAIL_DIR: join(dir, 'voicemail'),
      GRPC_HOST: '127.0.0.1',
      ESCALATION_GRPC_PORT: '0',
      SHUTDOWN_GRACE_MS: '3000',
    });
    const listening = h.logs.find((line) => line.msg === 'escalation gRPC listening');
    expect(listening).toMatchObject({ service: 'escalation', database: 'pglite', webhooks: 0 });
    const client = escalationClient(`127.0.0.1:${String(listening?.port)}`);
    try {
      expect(h.host.health.report()).toMatchObject({ status: 'ok', checks: { escalation: { ok: true } } });
      const handoff = await client.createHandoff(handoffRequest());
      expect((await client.listHandoffs({ callerNumber: '+13125550100' })).map((x) => x.id)).toEqual([handoff.id]);

      publishTo(h.bus, topics.lifecycle, callStarted('c-escalation'));
      await eventually(() => expect(h.logs).toContainEqual(expect.objectContaining({ service: 'escalation', callId: 'c-escalation', msg: 'call started' })));
      expect(h.bus.subscriptionCount()).toBeGreaterThan(h.baselineSubscriptions);

      await h.stop();
      expect(h.bus.state()).toBe('closed');
      const afterStop = await client.listHandoffs({}, { timeoutMs: 1_000 }).catch((e: unknown) => e);
      expect(afterStop).toBeInstanceOf(RpcError);
      expect((afterStop as RpcError).retryable).toBe(true);
    } finally {
      client.close();
      await h.stop();
    }
  });

  it('refuses to start with a webhook URL that points at cloud metadata', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'escalation-'));
    dirs.push(dir);
    const knowledgeFile = join(dir, 'knowledge.yaml');
    writeFileSync(knowledgeFile, officeYaml());
    await expect(
      startServices([escalationService], {
        KNOWLEDGE_FILE: knowledgeFile,
        DATA_DIR: 'memory://',
        GRPC_HOST: '127.0.0.1',
        ESCALATION_GRPC_PORT: '0',
        NOTIFY_WEBHOOKS: 'http://169.254.169.254/latest/meta-data',
      }),
    ).rejects.toThrow(/link-local or metadata/);
  });
});
