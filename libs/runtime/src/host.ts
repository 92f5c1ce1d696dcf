import { createServer, type Server } from 'node:http';
import type { MessageBus } from '@voiceagent/bus';
import type { Config } from '@voiceagent/config';
import type { Logger, Telemetry } from '@voiceagent/telemetry';
import { HealthRegistry, handleHealthRequest } from './health';
import type { RunningService, ServiceDefinition } from './service';

export interface HostOptions {
  readonly services: readonly ServiceDefinition[];
  readonly bus: MessageBus;
  readonly config: Config;
  readonly logger: Logger;
  readonly telemetry: Telemetry;
  /** Serve /healthz, /livez and /metrics (Prometheus) on this port (services run on their own do). */
  readonly healthPort?: number;
}

export interface Host {
  readonly health: HealthRegistry;
  /** Port of the health server, if one was asked for. */
  readonly healthPort: number | undefined;
  /** Graceful stop: not ready, services stopped in reverse order, bus drained, telemetry flushed. */
  stop(): Promise<void>;
}

/**
 * Starts services on one bus and owns their shutdown. Used by `npm start`
 * (every service, in-process bus) and by each service run alone (one service, NATS).
 */
export async function startHost(options: HostOptions): Promise<Host> {
  const { bus, config, logger, telemetry } = options;
  const health = new HealthRegistry();
  health.register('bus', () => ({ ok: bus.state() === 'connected', detail: `${bus.kind}: ${bus.state()}` }));
  bus.onStatus((event) => logger[event.state === 'connected' ? 'info' : 'warn']({ bus: bus.kind, state: event.state, detail: event.detail }, 'bus status'));

  const healthServer = options.healthPort === undefined ? undefined : await serveHealth(health, telemetry, options.healthPort);

  const running: Array<{ name: string; service: RunningService }> = [];
  const stopAll = async () => {
    for (const { name, service } of running.reverse()) {
      const grace = new Promise<'timeout'>((resolve) => setTimeout(resolve, config.SHUTDOWN_GRACE_MS, 'timeout').unref());
      const outcome = await Promise.race([service.stop().then(() => 'stopped' as const), grace]).catch((error: unknown) => {
        logger.error({ err: error, service: name }, 'service failed to stop cleanly');
        return 'failed' as const;
      });
      if (outcome === 'timeout') logger.warn({ service: name, graceMs: config.SHUTDOWN_GRACE_MS }, 'service did not stop within the grace period');
      else logger.info({ service: name }, 'service stopped');
    }
  };

  try {
    for (const definition of options.services) {
      const serviceLogger = logger.child({ service: definition.name });
      const service = await definition.start({ bus, config, logger: serviceLogger, health, telemetry });
      running.push({ name: definition.name, service });
      serviceLogger.info('service started');
    }
  } catch (error) {
    await stopAll();
    healthServer?.close();
    throw error;
  }
  health.setPhase('ready');
  logger.info({ services: options.services.map((s) => s.name), bus: bus.kind }, 'ready');

  let stopping: Promise<void> | undefined;
  const address = healthServer?.address();
  return {
    health,
    healthPort: typeof address === 'object' && address ? address.port : undefined,
    stop: () =>
      (stopping ??= (async () => {
        health.setPhase('stopping');
        await stopAll();
        await bus.drain().catch((error: unknown) => logger.error({ err: error }, 'bus drain failed'));
        await telemetry.shutdown().catch(() => undefined);
        if (healthServer) await new Promise<void>((resolve) => healthServer.close(() => resolve()));
        logger.info('stopped');
      })()),
  };
}

async function serveHealth(health: HealthRegistry, telemetry: Telemetry, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (handleHealthRequest(health, req, res) || telemetry.handleMetricsRequest(req, res)) return;
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve());
  });
  return server;
}

/** Ctrl-C / SIGTERM stop the host gracefully; a second signal exits at once. */
export function stopOnSignals(host: Host, logger: Logger): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    signalled = true;
    logger.info({ signal }, 'shutting down');
    host.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
