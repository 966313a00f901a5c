import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface StatusServer {
  port: number;
  close(): Promise<void>;
}

/** /healthz (process alive), /readyz (dependencies answer), /metrics (Prometheus). */
export async function startStatusServer(port: number, registry: Registry, ready: () => Promise<boolean>): Promise<StatusServer> {
  const server: Server = createServer((req, res) => {
    const reply = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type }).end(body);
    };
    if (req.url === '/healthz') return reply(200, '{"status":"ok"}');
    if (req.url === '/readyz') {
      ready().then(
        (ok) => reply(ok ? 200 : 503, JSON.stringify({ status: ok ? 'ready' : 'unavailable' })),
        () => reply(503, '{"status":"unavailable"}'),
      );
      return;
    }
    if (req.url === '/metrics') {
      registry.metrics().then(
        (text) => reply(200, text, registry.contentType),
        () => reply(500, '{"status":"error"}'),
      );
      return;
    }
    reply(404, '{"status":"not found"}');
  });
  await new Promise<void>((resolve) => server.listen(port, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
