import { createServer, type Server } from 'node:http';

const INVOKE_PATH = '/2015-03-31/functions/function/invocations';

/**
 * Serves the handler on the AWS Lambda Runtime Interface Emulator's invoke
 * path, so the same `curl -d @event.json` works locally, in docker compose,
 * and against the container image.
 */
export function serveLocalInvoke(handler: (event: unknown) => Promise<unknown>, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    if (req.method !== 'POST' || req.url !== INVOKE_PATH) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 256 * 1024) req.destroy(); // Lambda's own payload limit for async is 256 KB
      else chunks.push(chunk);
    });
    req.on('end', async () => {
      let event: unknown;
      try {
        event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return void res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"body is not JSON"}');
      }
      const result = await handler(event);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    });
  });
  return new Promise((resolve) => server.listen(port, () => resolve(server)));
}
