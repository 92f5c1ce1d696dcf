export { NatsServer, type NatsServerOptions } from './nats-server';
export { freePort, waitForPort } from './ports';
export { eventually } from './eventually';
export { startServices, type ServiceHarness, type LogLine } from './service-harness';
export { callStarted, callEnded } from './call-events';
