import type { IncomingMessage, ServerResponse } from 'node:http';

export interface CheckResult {
  readonly ok: boolean;
  readonly detail?: string;
}

export type HealthPhase = 'starting' | 'ready' | 'stopping';

export interface HealthReport {
  readonly status: 'ok' | 'starting' | 'stopping' | 'unhealthy';
  readonly checks: Record<string, CheckResult>;
}

/** Readiness of everything running in this process: one check per service or dependency. */
export class HealthRegistry {
  private readonly checks = new Map<string, () => CheckResult>();
  private phase: HealthPhase = 'starting';

  register(name: string, check: () => CheckResult): () => void {
    this.checks.set(name, check);
    return () => this.checks.delete(name);
  }

  setPhase(phase: HealthPhase): void {
    this.phase = phase;
  }

  report(): HealthReport {
    const checks: Record<string, CheckResult> = {};
    for (const [name, check] of this.checks) {
      try {
        checks[name] = check();
      } catch (error) {
        checks[name] = { ok: false, detail: error instanceof Error ? error.message : String(error) };
      }
    }
    const allOk = Object.values(checks).every((c) => c.ok);
    const status = this.phase !== 'ready' ? this.phase : allOk ? 'ok' : 'unhealthy';
    return { status, checks };
  }
}

/**
 * Handles `GET /healthz` (readiness: 200 only when every check passes) and
 * `GET /livez` (liveness: 200 while the process serves requests). Returns
 * false for other paths so a server can route them elsewhere.
 */
export function handleHealthRequest(registry: HealthRegistry, req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== '/healthz' && path !== '/livez') return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { 'content-type': 'application/json', allow: 'GET, HEAD' }).end(JSON.stringify({ error: 'method not allowed' }));
    return true;
  }
  const body = path === '/livez' ? { status: 'ok' } : registry.report();
  const code = body.status === 'ok' ? 200 : 503;
  res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  return true;
}
