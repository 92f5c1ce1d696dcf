// Test helpers for services (`@voiceagent/runtime/testing`); not used by production code.
export { startServices, type ServiceHarness, type LogLine } from './service-harness';
export { callStarted, callEnded } from './call-events';
