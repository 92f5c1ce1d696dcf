import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsServer, freePort } from '@voiceagent/testing';
import { runScript, waitForHealthy } from './process';

let nats: NatsServer;
beforeAll(async () => {
  nats = await NatsServer.start();
});
afterAll(async () => {
  await nats?.dispose();
});

const services = ['booking', 'escalation', 'brain', 'speaker', 'listener', 'gateway', 'media'];

describe('npm start (every service in one process)', () => {
  it.each([
    ['the in-process bus', () => ({})],
    ['NATS', () => ({ NATS_URL: nats.url })],
  ])('becomes healthy on %s and stops cleanly on Ctrl-C', async (_bus, env) => {
    const port = await freePort();
    const run = runScript('tools/stack/src/main.ts', { HTTP_PORT: String(port), HTTP_HOST: '127.0.0.1', ...env() });
    try {
      const health = await waitForHealthy(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe('ok');
      for (const s of ['bus', 'listener', 'brain', 'speaker']) expect(health.checks[s]?.ok, s).toBe(true);
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(0);
      const logs = run.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
      expect(logs.filter((l) => l.msg === 'service stopped').map((l) => l.service)).toEqual([...services].reverse());
      expect(logs.at(-1)).toMatchObject({ msg: 'stopped' });
    } finally {
      run.child.kill('SIGKILL');
    }
  }, 60_000);

  it('runs only the services named in SERVICES, and refuses unknown names', async () => {
    const port = await freePort();
    const run = runScript('tools/stack/src/main.ts', { HTTP_PORT: String(port), HTTP_HOST: '127.0.0.1', SERVICES: 'brain' });
    try {
      const health = await waitForHealthy(`http://127.0.0.1:${port}/healthz`);
      expect(Object.keys(health.checks).sort()).toEqual(['brain', 'bus']);
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
    }
    const bad = runScript('tools/stack/src/main.ts', { SERVICES: 'media,nope' });
    expect(await bad.exited).toBe(2);
    expect(bad.output()).toMatch(/SERVICES: unknown service nope/);
  }, 60_000);

  it('refuses to start on bad configuration, naming the variable', async () => {
    const run = runScript('tools/stack/src/main.ts', { HTTP_PORT: 'http' });
    expect(await run.exited).toBe(2);
    expect(run.output()).toMatch(/HTTP_PORT: must be a port number \(got "http"\)/);
  }, 30_000);
});

describe('a service run on its own (npx nx serve <app>)', () => {
  it('serves health on HEALTH_PORT over NATS and drains on SIGTERM', async () => {
    const port = await freePort();
    const run = runScript('apps/listener/src/main.ts', { NATS_URL: nats.url, HEALTH_PORT: String(port) });
    try {
      const health = await waitForHealthy(`http://127.0.0.1:${port}/healthz`);
      expect(health.checks['bus']).toMatchObject({ ok: true, detail: 'nats: connected' });
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
    }
  }, 60_000);

  it('explains that NATS_URL is required', async () => {
    const run = runScript('apps/brain/src/main.ts', { NATS_URL: '' });
    expect(await run.exited).toBe(2);
    expect(run.output()).toMatch(/NATS_URL is required/);
  }, 30_000);
});
