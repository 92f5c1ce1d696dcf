import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index';

describe('loadConfig', () => {
  it('applies embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.HTTP_PORT).toBe(8080);
    expect(config.SIP_PORT).toBe(5060);
    expect(config.NATS_URL).toBeUndefined();
    expect(config.LOG_LEVEL).toBe('info');
  });

  it('coerces and validates typed values', () => {
    const config = loadConfig({ HTTP_PORT: '9000', NATS_URL: 'nats://a:4222, nats://b:4222', SHUTDOWN_GRACE_MS: '500' });
    expect(config.HTTP_PORT).toBe(9000);
    expect(config.SHUTDOWN_GRACE_MS).toBe(500);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ HTTP_PORT: '' }).HTTP_PORT).toBe(8080);
  });

  it('names every bad variable, its value and the reason', () => {
    let error: unknown;
    try {
      loadConfig({ HTTP_PORT: 'eighty', SIP_PORT: '70000', NATS_URL: 'localhost:4222', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toMatch(/HTTP_PORT: must be a port number \(got "eighty"\)/);
    expect(message).toMatch(/SIP_PORT: must be between 0 and 65535 \(0 picks a free port\) \(got "70000"\)/);
    expect(message).toMatch(/NATS_URL: must be one or more comma-separated nats:\/\/host:port URLs/);
    expect(message).toMatch(/LOG_LEVEL:/);
    expect((error as ConfigError).problems).toHaveLength(4);
  });

  it('never echoes secrets', () => {
    expect(() => loadConfig({ NATS_USER: 'svc' })).toThrow(/NATS_PASSWORD: NATS_USER and NATS_PASSWORD go together/);
    try {
      loadConfig({ NATS_PASSWORD: 'hunter2' });
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter2');
    }
  });
});

describe('media settings', () => {
  it('parses booleans, lists and ranges the way operators write them', () => {
    const config = loadConfig({ MEDIA_ECHO: 'yes', SIP_TRANSPORTS: 'udp', RTP_PORT_MIN: '30000', RTP_PORT_MAX: '30100', SIP_DIGEST_USERS: 'trunk:pa:ss' });
    expect(config.MEDIA_ECHO).toBe(true);
    expect(config.SIP_TRANSPORTS).toBe('udp');
    expect(loadConfig({}).MEDIA_ECHO).toBe(false);
  });

  it('refuses an empty RTP range, unknown transports and malformed digest users without echoing them', () => {
    expect(() => loadConfig({ RTP_PORT_MIN: '20000', RTP_PORT_MAX: '10000' })).toThrow(/RTP_PORT_MAX: must be greater than RTP_PORT_MIN/);
    expect(() => loadConfig({ SIP_TRANSPORTS: 'udp,sctp' })).toThrow(/SIP_TRANSPORTS: must be udp, tcp or udp,tcp/);
    expect(() => loadConfig({ MEDIA_ECHO: 'maybe' })).toThrow(/MEDIA_ECHO/);
    try {
      loadConfig({ SIP_DIGEST_USERS: 'nopassword' });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toMatch(/SIP_DIGEST_USERS: must be user:password pairs/);
      expect((e as Error).message).not.toContain('nopassword');
    }
  });
});
