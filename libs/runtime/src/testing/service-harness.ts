import { Writable } from 'node:stream';
import { InProcessBus } from '@voiceagent/bus';
import { loadConfig } from '@voiceagent/config';
import { createLogger, startTelemetry, type Telemetry } from '@voiceagent/telemetry';
import { startHost, type Host } from '../host';
import type { ServiceDefinition } from '../service';

export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface ServiceHarness {
  readonly bus: InProcessBus;
  readonly host: Host;
  readonly logs: LogLine[];
  /** Subscriptions the bus had before the services started. */
  readonly baselineSubscriptions: number;
  stop(): Promise<void>;
}

let telemetry: Telemetry | undefined;

/** Starts services on an in-process bus with captured JSON logs. */
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
  const host = await startHost({ services, bus, config, logger: createLogger({ service: 'test', level: 'debug', destination: sink }), telemetry: { ...telemetry, shutdown: async () => undefined } });
  return { bus, host, logs, baselineSubscriptions, stop: () => host.stop() };
}
