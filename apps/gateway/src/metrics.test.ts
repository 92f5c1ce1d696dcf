import { describe, expect, it } from 'vitest';
import { startServices } from '@voiceagent/runtime/testing';
import { freePort } from '@voiceagent/testing';
import { gatewayService } from './main';

describe('gateway metrics', () => {
  it("serves the process's Prometheus metrics on GET /metrics of the HTTP port, behind the API token", async () => {
    const port = await freePort();
    const h = await startServices([gatewayService], { HTTP_PORT: String(port), API_TOKENS: 'tok-a' });
    try {
      h.telemetry.metrics.stageDuration.record(120, { stage: 'brain' });
      // Call volume and error rates are the operator's: no token, no metrics.
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
      const response = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: 'Bearer tok-a' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await response.text();
      expect(text).toMatch(/^# TYPE voiceagent_turn_stage_duration histogram$/m);
      expect(text).toMatch(/^voiceagent_turn_stage_duration_bucket\{stage="brain",[^}]*le="150"\} 1$/m);
      // The API stays behind its token.
      expect((await fetch(`http://127.0.0.1:${port}/v1/calls`)).status).toBe(401);
    } finally {
      await h.stop();
    }
  });
});
