import type { MessageBus } from '@voiceagent/bus';
import type { Config } from '@voiceagent/config';
import type { Logger, Telemetry } from '@voiceagent/telemetry';
import type { HealthRegistry } from './health';

/** What a host gives every service it starts. */
export interface ServiceContext {
  readonly bus: MessageBus;
  readonly config: Config;
  readonly logger: Logger;
  readonly health: HealthRegistry;
  readonly telemetry: Telemetry;
}

export interface RunningService {
  /** Stop taking new work, finish in-flight work, release everything. */
  stop(): Promise<void>;
}

/** A deployable service: what each app's main.ts exports. */
export interface ServiceDefinition {
  readonly name: string;
  start(context: ServiceContext): Promise<RunningService>;
}
