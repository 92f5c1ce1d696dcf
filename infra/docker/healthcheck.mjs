// Container health probe (the Dockerfile's HEALTHCHECK and docker compose):
// GET /healthz on the service's health port; exit 0 when it answers 200.
// Every service serves it on HEALTH_PORT (default 9090); the gateway on its
// public HTTP_PORT (default 8080). Node's fetch: the slim image has no curl.
const gateway = process.env.APP === 'gateway';
const port = (gateway ? process.env.HTTP_PORT : process.env.HEALTH_PORT) || (gateway ? '8080' : '9090');
const url = `http://127.0.0.1:${port}/healthz`;
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(2500) });
  if (!response.ok) process.stderr.write(`${url}: ${response.status} ${await response.text()}\n`);
  process.exit(response.ok ? 0 : 1);
} catch (error) {
  process.stderr.write(`${url}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
