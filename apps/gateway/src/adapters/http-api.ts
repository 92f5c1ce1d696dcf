import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { handleHealthRequest, type HealthRegistry } from '@voiceagent/runtime';
import type { Logger } from '@voiceagent/telemetry';
import type { ActiveCalls } from '../domain/active-calls';
import type { ApiAccess } from '../domain/api-access';

export interface HttpApiOptions {
  readonly host: string;
  readonly port: number;
  readonly health: HealthRegistry;
  readonly calls: ActiveCalls;
  readonly access: ApiAccess;
  readonly logger: Logger;
  /** Answers `GET /metrics` (Prometheus text), behind the same access rule as `/v1`; false for other paths. */
  readonly metrics?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));

/** The gateway's HTTP surface: health for probes, and, authenticated, metrics for Prometheus and the `/v1` API. */
export async function startHttpApi(options: HttpApiOptions): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const { health, calls, access, logger } = options;
  const route = (req: IncomingMessage, res: ServerResponse) => {
    if (handleHealthRequest(health, req, res)) return;
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    // The HTTP port faces callers' networks; call volume and error rates are for the operator
    // (Prometheus on Kubernetes scrapes the health port, which stays inside the cluster).
    if (path !== '/metrics' && !path.startsWith('/v1/')) return json(res, 404, { error: 'not found' });
    const decision = access.decide(req.headers.authorization, req.socket.remoteAddress);
    if (!decision.allowed) {
      logger.warn({ path, remote: req.socket.remoteAddress, reason: decision.reason }, 'API request refused');
      return json(res, decision.status, { error: decision.reason });
    }
    if (options.metrics?.(req, res)) return;
    if (path === '/v1/calls' && req.method === 'GET') return json(res, 200, calls.list());
    return json(res, 404, { error: `no route for ${req.method} ${path}` });
  };
  const server = createServer((req, res) => {
    try {
      route(req, res);
    } catch (err) {
      logger.error({ err, url: req.url }, 'HTTP handler failed');
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
