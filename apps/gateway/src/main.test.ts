import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { publishTo } from '@voiceagent/bus';
import { Route, rpcs, topics, type CallRouted } from '@voiceagent/contracts';
import { callEnded, callStarted, startServices, type ServiceHarness } from '@voiceagent/runtime/testing';
import { eventually, freePort } from '@voiceagent/testing';
import { createGatewayService, gatewayService } from './main';
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

async function askRoute(h: ServiceHarness, caller: string, sipHeaders: Record<string, string> = {}): Promise<CallRouted> {
  const { callId, event } = callStarted('r1', caller);
  const call = event?.$case === 'started' ? { ...event.started, sipHeaders } : undefined;
  const reply = await h.bus.request(rpcs.route.subject, rpcs.route.request.encode({ callId, call }), { timeoutMs: 2000 });
  return rpcs.route.reply.decode(reply.data);
}

describe('gateway call routing', () => {
  it('answers calls.route from the knowledge file at its clock, follows knowledge edits, and lists calls with their route', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gateway-routing-'));
    const file = join(dir, 'knowledge.yaml');
    await copyFile('examples/knowledge.yaml', file);
    let now = new Date('2025-03-11T15:00:00Z'); // Tuesday 10:00 CDT: open
    const port = await freePort();
    const h = await startServices([createGatewayService({ now: () => now })], { HTTP_PORT: String(port), KNOWLEDGE_FILE: file });
    try {
      expect(await askRoute(h, '+15125550100')).toEqual({ route: Route.ROUTE_AI_SESSION, reason: 'open', target: '', announcement: '' });
      expect(await askRoute(h, 'sip:+15125550199@trunk.example.com')).toMatchObject({ route: Route.ROUTE_HUMAN, target: '+15125550123' });
      now = new Date('2025-12-25T16:00:00Z');
      expect(await askRoute(h, '+15125550100')).toMatchObject({ route: Route.ROUTE_VOICEMAIL, reason: 'closed: holiday (Christmas Day)', announcement: expect.stringMatching(/after the tone/) });
      expect(h.logs.some((l) => l.msg === 'call routing decided' && l.reason === 'closed: holiday (Christmas Day)')).toBe(true);
      // A trusted SBC or contact flow in front of us routed it already.
      expect(await askRoute(h, '+15125550100', { 'x-voiceagent-route': 'ai_session' })).toMatchObject({ route: Route.ROUTE_AI_SESSION, reason: 'routed upstream' });

      // A new VIP takes effect on the next call, without a restart.
      now = new Date('2025-03-11T15:00:00Z');
      const text = await readFile(file, 'utf8');
      await writeFile(file, text.replace('vip_callers:\n', 'vip_callers:\n  - number: "+15125550100"\n    name: New partner\n'));
      await eventually(async () => expect(await askRoute(h, '+15125550100')).toMatchObject({ route: Route.ROUTE_HUMAN, reason: 'VIP caller New partner' }), { timeoutMs: 5000 });

      // Garbage gets no answer (the asker fails open), and the responder keeps serving.
      await expect(h.bus.request(rpcs.route.subject, new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), { timeoutMs: 200 })).rejects.toThrow(/timed out/);
      expect(await askRoute(h, '+15125550123')).toMatchObject({ route: Route.ROUTE_AI_SESSION });

      const started = callStarted('c9', '+15125550123');
      if (started.event?.$case === 'started') started.event.started.routing = { route: Route.ROUTE_VOICEMAIL, reason: 'closed: outside opening hours', target: '', announcement: 'We are closed.' };
      publishTo(h.bus, topics.lifecycle, started);
      await eventually(async () => {
        const body = await (await fetch(`http://127.0.0.1:${port}/v1/calls`)).json();
        expect(body).toMatchObject({ active: [{ callId: 'c9', route: 'voicemail', routeReason: 'closed: outside opening hours' }] });
      });
    } finally {
      await h.stop();
      await rm(dir, { recursive: true, force: true });
    }
    expect(h.bus.subscriptionCount()).toBe(h.baselineSubscriptions);
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
