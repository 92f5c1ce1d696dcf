import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@voiceagent/telemetry';
import { eventually } from '@voiceagent/testing';
import type { Outbox } from '../ports/escalation-store';
import { checkWebhookUrl, isForbiddenAddress, signature, WebhookNotifier } from './webhook-notifier';

describe('webhook SSRF guard', () => {
  it('refuses link-local and metadata addresses, in every spelling, and allows loopback and public ones', () => {
    for (const address of ['169.254.169.254', '169.254.0.1', '::ffff:169.254.169.254', 'fd00:ec2::254', 'fd00:ec2:0:0:0:0:0:254', 'fe80::1', '0.0.0.0', '::']) {
      expect(isForbiddenAddress(address), address).toBe(true);
    }
    for (const address of ['127.0.0.1', '::1', '203.0.113.7', '2001:db8::1', 'fd00:ec2::253']) {
      expect(isForbiddenAddress(address), address).toBe(false);
    }
  });

  it('accepts only http(s) URLs without forbidden literal hosts', () => {
    expect(checkWebhookUrl('https://hooks.example.com/x').hostname).toBe('hooks.example.com');
    expect(checkWebhookUrl('http://127.0.0.1:8080/x').port).toBe('8080');
    expect(() => checkWebhookUrl('file:///etc/passwd')).toThrow(/http or https/);
    expect(() => checkWebhookUrl('gopher://example.com')).toThrow(/http or https/);
    expect(() => checkWebhookUrl('not a url')).toThrow(/not a URL/);
    expect(() => checkWebhookUrl('http://169.254.169.254/latest')).toThrow(/metadata/);
    expect(() => checkWebhookUrl('http://[fd00:ec2::254]/latest')).toThrow(/metadata/);
    expect(() => checkWebhookUrl('http://[::ffff:a9fe:a9fe]/')).toThrow(/metadata/);
  });

  it('signs the body with HMAC-SHA256 as sha256=<hex>', () => {
    // RFC 4231 test case 2.
    expect(signature('what do ya want for nothing?', 'Jefe')).toBe('sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });
});

describe('WebhookNotifier', () => {
  it('stops promptly with a receiver that never answers, rescheduling the row instead of leaving it leased', async () => {
    let requests = 0;
    // Takes the request and never answers.
    const server = createServer(() => {
      requests += 1;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const settled: string[] = [];
    let claimed = false;
    const outbox: Outbox = {
      claimDue: async () => {
        if (claimed) return [];
        claimed = true;
        return [{ id: 'n-1', type: 'handoff.created', createdAt: new Date(), data: {}, attempts: 0 }];
      },
      markDelivered: async (id) => void settled.push(`delivered ${id}`),
      markFailed: async (id, error) => void settled.push(`failed ${id}: ${error}`),
    };
    const notifier = new WebhookNotifier(outbox, {
      urls: [`http://127.0.0.1:${port}/`],
      secret: 's',
      pollMs: 10,
      backoff: { baseMs: 10, maxMs: 100 },
      timeoutMs: 30_000,
      clock: { now: () => new Date() },
      logger: createLogger({ service: 'notifier-test', level: 'silent' }),
    });
    try {
      notifier.start();
      await eventually(() => expect(requests).toBe(1));
      const started = Date.now();
      await notifier.stop();
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(settled).toEqual([expect.stringMatching(/^failed n-1: .*(stopping|abort)/i)]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
