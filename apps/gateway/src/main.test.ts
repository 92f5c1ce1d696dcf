import { describe, expect, it } from 'vitest';
import { publishTo } from '@voiceagent/bus';
import { topics } from '@voiceagent/contracts';
import { callEnded, callStarted, startServices } from '@voiceagent/runtime/testing';
import { eventually, freePort } from '@voiceagent/testing';
import { gatewayService } from './main';
import { ApiAccess } from './domain/api-access';

describe('gateway service', () => {
  it('answers /healthz for the whole process and lists calls to an authenticated client', async () => {
    const port = await freePort();
    const h = await startServices([gatewayService], { HTTP_PORT: String(port), API_TOKENS: 'tok-a, tok-b' });
    const base = `http://127.0.0.1:${port}`;
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', checks: { bus: { ok: true } } });

    publishTo(h.bus, topics.lifecycle, callStarted('c4', '+441632960001'));
    expect((await fetch(`${base}/v1/calls`)).status).toBe(401);
    expect((await fetch(`${base}/v1/calls`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    await eventually(async () => {
      const res = await fetch(`${base}/v1/calls`, { headers: { authorization: 'Bearer tok-b' } });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ active: [{ callId: 'c4', caller: '+441632960001' }] });
    });
    publishTo(h.bus, topics.lifecycle, callEnded('c4'));
    await eventually(async () => {
      const body = await (await fetch(`${base}/v1/calls`, { headers: { authorization: 'Bearer tok-a' } })).json();
      expect(body).toMatchObject({ active: [], recentlyEnded: [{ callId: 'c4' }] });
    });
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
    await h.stop();
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});

describe('ApiAccess', () => {
  it('without tokens, admits only loopback clients', () => {
    const open = ApiAccess.fromList(undefined);
    expect(open.decide(undefined, '127.0.0.1')).toEqual({ allowed: true });
    expect(open.decide(undefined, '::ffff:127.0.0.1')).toEqual({ allowed: true });
    expect(open.decide('Bearer x', '203.0.113.9')).toMatchObject({ allowed: false, status: 403 });
  });

  it('with tokens, requires one of them from everyone', () => {
    const closed = ApiAccess.fromList('alpha,beta');
    expect(closed.decide(undefined, '127.0.0.1')).toMatchObject({ allowed: false, status: 401 });
    expect(closed.decide('Bearer beta', '203.0.113.9')).toEqual({ allowed: true });
    expect(closed.decide('Bearer bet', '203.0.113.9')).toMatchObject({ allowed: false, status: 401 });
  });
});
