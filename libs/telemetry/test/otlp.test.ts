import { createServer, type IncomingHttpHeaders } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { startTelemetry } from '../src';

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

// An OTLP/HTTP collector on a free loopback port: it keeps what it is sent and answers 200 with an empty protobuf response.
const received: Received[] = [];
const collector = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
});

afterAll(() => new Promise<void>((resolve) => collector.close(() => resolve())));

describe('OTLP export', () => {
  it('sends spans to <endpoint>/v1/traces and the turn metrics to <endpoint>/v1/metrics, as protobuf', async () => {
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const address = collector.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const telemetry = startTelemetry({ serviceName: 'otlp-test', otlpEndpoint: `http://127.0.0.1:${port}/` });
    telemetry.tracer('listener').startSpan('turn').end();
    telemetry.metrics.turnDuration.record(640);
    telemetry.metrics.budgetViolations.add(1, { stage: 'speaker' });
    // Shutting down flushes both: the batch of spans and a last metrics export.
    await telemetry.shutdown();

    const traces = received.find((r) => r.path === '/v1/traces');
    const metrics = received.find((r) => r.path === '/v1/metrics');
    expect(traces?.headers['content-type']).toBe('application/x-protobuf');
    expect(metrics?.headers['content-type']).toBe('application/x-protobuf');
    // Protobuf keeps strings as they are: the names are in the bodies.
    expect(traces?.body.includes('otlp-test')).toBe(true);
    expect(traces?.body.includes('turn')).toBe(true);
    expect(metrics?.body.includes('voiceagent.turn.duration')).toBe(true);
    expect(metrics?.body.includes('voiceagent.turn.budget_violations')).toBe(true);
    expect(metrics?.body.includes('speaker')).toBe(true);
  });
});
