import { describe, expect, it } from 'vitest';
import { InProcessBus } from '@voiceagent/bus';
import { loadConfig } from '@voiceagent/config';
import { createLogger, startTelemetry } from '@voiceagent/telemetry';
import { startHost, type ServiceDefinition } from '../src';

const logger = createLogger({ service: 'test', level: 'silent' });
const telemetry = startTelemetry({ serviceName: 'host-test' });

const healthz = async (port: number) => {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  return { code: res.status, body: (await res.json()) as { status: string; checks: Record<string, { ok: boolean }> } };
};

describe('startHost', () => {
  it('is ready only when every service started and every check passes, and stops in reverse order', async () => {
    const events: string[] = [];
    let dbUp = true;
    const service = (name: string): ServiceDefinition => ({
      name,
      async start(ctx) {
        events.push(`start ${name}`);
        if (name === 'b') ctx.health.register('b.db', () => ({ ok: dbUp }));
        return {
          async stop() {
            await new Promise((r) => setTimeout(r, 10));
            events.push(`stop ${name}`);
          },
        };
      },
    });
    const bus = new InProcessBus();
    const host = await startHost({ services: [service('a'), service('b')], bus, config: loadConfig({}), logger, telemetry, healthPort: 0 });
    const port = host.healthPort!;
    expect(await healthz(port)).toMatchObject({ code: 200, body: { status: 'ok', checks: { bus: { ok: true }, 'b.db': { ok: true } } } });
    dbUp = false;
    expect(await healthz(port)).toMatchObject({ code: 503, body: { status: 'unhealthy' } });
    expect((await fetch(`http://127.0.0.1:${port}/livez`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`, { method: 'POST' })).status).toBe(405);

    await host.stop();
    expect(events).toEqual(['start a', 'start b', 'stop b', 'stop a']);
    expect(bus.state()).toBe('closed');
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it('stops what already started when a later service fails to start', async () => {
    const events: string[] = [];
    const ok: ServiceDefinition = { name: 'ok', start: async () => ({ stop: async () => void events.push('stop ok') }) };
    const broken: ServiceDefinition = { name: 'broken', start: async () => { throw new Error('no database'); } };
    await expect(startHost({ services: [ok, broken], bus: new InProcessBus(), config: loadConfig({}), logger, telemetry })).rejects.toThrow('no database');
    expect(events).toEqual(['stop ok']);
  });

  it('does not wait forever for a service that will not stop', async () => {
    const stuck: ServiceDefinition = { name: 'stuck', start: async () => ({ stop: () => new Promise<void>(() => undefined) }) };
    const host = await startHost({ services: [stuck], bus: new InProcessBus(), config: loadConfig({ SHUTDOWN_GRACE_MS: '50' }), logger, telemetry });
    const started = Date.now();
    await host.stop();
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
