// Harnesses with no dependency on the project's own libs, so any lib's tests can use them.
export { NatsServer, type NatsServerOptions } from './nats-server';
export { freePort, waitForPort } from './ports';
export { eventually } from './eventually';
export { PostgresServer, postgresBinDir, type PostgresServerOptions } from './postgres-server';
