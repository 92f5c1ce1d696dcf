export * from './port';
export * from './topic';
export { subjectMatches, assertValidSubject } from './subject';
export { InProcessBus } from './adapters/in-process';
export { NatsBus, type NatsBusOptions } from './adapters/nats';
