import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '@voiceagent/testing';
import {
  BusClosedError,
  NoRespondersError,
  RequestTimeoutError,
  type BusMessage,
  type MessageBus,
} from '../src';

export interface BusFixture {
  /** Creates a bus; each call is a separate client (a separate "service"). */
  connect(onHandlerError?: (error: unknown, subject: string) => void): Promise<MessageBus>;
}

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/**
 * The behaviour every MessageBus adapter must have. Runs against the
 * in-process adapter and against a real nats-server.
 */
export function describeBusContract(name: string, fixture: () => BusFixture): void {
  describe(`MessageBus contract: ${name}`, () => {
    let a: MessageBus;
    let b: MessageBus;
    let errors: Array<{ error: unknown; subject: string }>;

    beforeEach(async () => {
      errors = [];
      const onError = (error: unknown, subject: string) => errors.push({ error, subject });
      a = await fixture().connect(onError);
      b = await fixture().connect(onError);
    });

    afterEach(async () => {
      await a.drain();
      await b.drain();
    });

    it('delivers a published message with its headers, in order', async () => {
      const got: BusMessage[] = [];
      b.subscribe('call.c1.audio.in', (m) => void got.push(m));
      await b.flush();
      for (let i = 0; i < 100; i++) a.publish('call.c1.audio.in', bytes(`frame-${i}`), { headers: { traceparent: `tp-${i}` } });
      await a.flush();
      await eventually(() => expect(got).toHaveLength(100));
      expect(got.map((m) => text(m.data))).toEqual(Array.from({ length: 100 }, (_, i) => `frame-${i}`));
      expect(got[7]?.headers['traceparent']).toBe('tp-7');
      expect(got[0]?.subject).toBe('call.c1.audio.in');
    });

    it('matches * and > wildcards as NATS does', async () => {
      const star: string[] = [];
      const tail: string[] = [];
      b.subscribe('call.*.audio.in', (m) => void star.push(m.subject));
      b.subscribe('call.>', (m) => void tail.push(m.subject));
      await b.flush();
      for (const s of ['call.x.audio.in', 'call.y.audio.out', 'call.z.audio.in.extra', 'calls.lifecycle']) a.publish(s, bytes('.'));
      await a.flush();
      await eventually(() => expect(tail).toHaveLength(3));
      expect(star).toEqual(['call.x.audio.in']);
      expect(tail.sort()).toEqual(['call.x.audio.in', 'call.y.audio.out', 'call.z.audio.in.extra']);
    });

    it('gives each message to exactly one member of a queue group, and to every plain subscriber', async () => {
      const members = [0, 0, 0];
      let observer = 0;
      members.forEach((_, i) => b.subscribe('calls.lifecycle', () => void members[i]!++, { queue: 'listener' }));
      b.subscribe('calls.lifecycle', () => void observer++);
      await b.flush();
      for (let i = 0; i < 90; i++) a.publish('calls.lifecycle', bytes(String(i)));
      await a.flush();
      await eventually(() => expect(observer).toBe(90));
      await eventually(() => expect(members.reduce((x, y) => x + y, 0)).toBe(90));
      expect(members.filter((n) => n > 0).length).toBeGreaterThan(1);
    });

    it('answers requests, with headers both ways', async () => {
      b.subscribe('svc.echo', (m) => m.respond(bytes(`re:${text(m.data)}`), { 'x-seen': m.headers['x-in'] ?? '' }));
      await b.flush();
      const reply = await a.request('svc.echo', bytes('hi'), { headers: { 'x-in': 'yes' }, timeoutMs: 2000 });
      expect(text(reply.data)).toBe('re:hi');
      expect(reply.headers['x-seen']).toBe('yes');
    });

    it('fails a request at once when nobody listens, and times out when nobody answers', async () => {
      await expect(a.request('svc.nobody', bytes('?'), { timeoutMs: 2000 })).rejects.toBeInstanceOf(NoRespondersError);
      b.subscribe('svc.silent', () => undefined);
      await b.flush();
      const started = Date.now();
      await expect(a.request('svc.silent', bytes('?'), { timeoutMs: 150 })).rejects.toBeInstanceOf(RequestTimeoutError);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    });

    it('keeps delivering after a handler throws or rejects, and reports the error', async () => {
      const seen: string[] = [];
      b.subscribe('t.errors', (m) => {
        seen.push(text(m.data));
        if (text(m.data) === 'boom') throw new Error('sync boom');
        if (text(m.data) === 'reject') return Promise.reject(new Error('async boom'));
        return undefined;
      });
      await b.flush();
      for (const s of ['ok1', 'boom', 'reject', 'ok2']) a.publish('t.errors', bytes(s));
      await a.flush();
      await eventually(() => expect(seen).toEqual(['ok1', 'boom', 'reject', 'ok2']));
      await eventually(() => expect(errors.map((e) => (e.error as Error).message).sort()).toEqual(['async boom', 'sync boom']));
      expect(errors[0]?.subject).toBe('t.errors');
    });

    it('stops delivery on unsubscribe', async () => {
      let n = 0;
      const sub = b.subscribe('t.unsub', () => void n++);
      await b.flush();
      a.publish('t.unsub', bytes('1'));
      await a.flush();
      await eventually(() => expect(n).toBe(1));
      sub.unsubscribe();
      await b.flush();
      a.publish('t.unsub', bytes('2'));
      await a.flush();
      await new Promise((r) => setTimeout(r, 50));
      expect(n).toBe(1);
    });

    it('does not let the publisher mutate a message after publishing it', async () => {
      const got: string[] = [];
      b.subscribe('t.copy', (m) => void got.push(text(m.data)));
      await b.flush();
      const buffer = bytes('aaaa');
      a.publish('t.copy', buffer);
      buffer.fill(98);
      await a.flush();
      await eventually(() => expect(got).toEqual(['aaaa']));
    });

    it('rejects invalid subjects with a clear error', () => {
      expect(() => a.publish('call..audio', bytes('x'))).toThrow(/invalid subject/);
      expect(() => a.publish('call.*.audio', bytes('x'))).toThrow(/wildcards/);
      expect(() => a.subscribe('call.>.x', () => undefined)).toThrow(/last token/);
    });

    it('drain lets in-flight async handlers finish, then refuses new work', async () => {
      let finished = false;
      b.subscribe('t.drain', async () => {
        await new Promise((r) => setTimeout(r, 100));
        finished = true;
      });
      await b.flush();
      a.publish('t.drain', bytes('x'));
      await a.flush();
      await new Promise((r) => setTimeout(r, 20));
      await b.drain();
      expect(finished).toBe(true);
      expect(b.state()).toBe('closed');
      expect(() => b.publish('t.drain', bytes('y'))).toThrow(BusClosedError);
    });
  });
}
