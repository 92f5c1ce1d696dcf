import { Writable } from 'node:stream';
import { InProcessBus } from '@voiceagent/bus';
import { loadConfig } from '@voiceagent/config';
import { createLogger, startTelemetry, withTracePropagation, type Telemetry } from '@voiceagent/telemetry';
import { startHost, type Host } from '../host';
import type { ServiceDefinition } from '../service';

export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface ServiceHarness {
  /** The bus the services share (without trace propagation: what a test publishes carries no trace). */
  readonly bus: InProcessBus;
  readonly host: Host;
  /** This process's telemetry (shared by every harness in it): recent spans, metrics. */
  readonly telemetry: Telemetry;
  readonly logs: LogLine[];
  /** Subscriptions the bus had before the services started. */
  readonly baselineSubscriptions: number;
  stop(): Promise<void>;
}

let telemetry: Telemetry | undefined;

/** Starts services on an in-process bus with captured JSON logs, the bus wrapped for trace propagation as `npm start` does. */
export async function startServices(services: readonly ServiceDefinition[], env: NodeJS.ProcessEnv = {}): Promise<ServiceHarness> {
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const bus = new InProcessBus();
  const baselineSubscriptions = bus.subscriptionCount();
  telemetry ??= startTelemetry({ serviceName: 'test' });
  const config = loadConfig({ HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', ...env });
  const shared = telemetry;
  const host = await startHost({
    services,
    bus: withTracePropagation(bus),
    config,
    logger: createLogger({ service: 'test', level: 'debug', destination: sink }),
    telemetry: { ...shared, shutdown: async () => undefined },
  });
  return { bus, host, logs, telemetry: shared, baselineSubscriptions, stop: () => host.stop() };
}
