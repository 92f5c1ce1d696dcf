import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bookingClient, InvalidBookingError, RpcError } from '@voiceagent/rpc';
import { startServices } from '@voiceagent/runtime/testing';
import { eventually } from '@voiceagent/testing';
import { salonYaml } from '../test/salon';
import { bookingService } from './main';

describe('booking service', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('serves BookingService on the configured port, follows the knowledge file, reports health and stops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'booking-'));
    dirs.push(dir);
    const knowledgeFile = join(dir, 'knowledge.yaml');
    writeFileSync(knowledgeFile, salonYaml(`booking:\n  slot_minutes: 15\n  max_days_ahead: 30\n  services: [cut, color]`));
    const h = await startServices([bookingService], {
      KNOWLEDGE_FILE: knowledgeFile,
      DATA_DIR: 'memory://',
      GRPC_HOST: '127.0.0.1',
      BOOKING_GRPC_PORT: '0',
      SHUTDOWN_GRACE_MS: '3000',
    });
    const listening = h.logs.find((line) => line.msg === 'booking gRPC listening');
    expect(listening).toMatchObject({ service: 'booking', database: 'pglite' });
    const client = bookingClient(`127.0.0.1:${String(listening?.port)}`, { timeoutMs: 5_000 });
    try {
      expect(h.host.health.report()).toMatchObject({ status: 'ok', checks: { booking: { ok: true } } });
      // Real clock: any fortnight of the salon's week has free slots.
      expect((await client.listAvailability({ service: 'color', limit: 5 })).length).toBe(5);

      // A saved edit takes effect without a restart.
      writeFileSync(knowledgeFile, salonYaml(`booking:\n  slot_minutes: 15\n  services: [cut]`));
      await eventually(async () => {
        await expect(client.listAvailability({ service: 'color' })).rejects.toBeInstanceOf(InvalidBookingError);
      });

      await h.stop();
      const afterStop = await client.listAvailability({ service: 'cut' }, { timeoutMs: 1_000 }).catch((e: unknown) => e);
      expect(afterStop).toBeInstanceOf(RpcError);
      expect((afterStop as RpcError).retryable).toBe(true);
    } finally {
      client.close();
      await h.stop();
    }
  });
});
