export { NatsServer, type NatsServerOptions } from './nats-server';
export { freePort, waitForPort } from './ports';
export { eventually } from './eventually';
