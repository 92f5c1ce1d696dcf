export type { ServiceContext, ServiceDefinition, RunningService } from './service';
export { HealthRegistry, handleHealthRequest, type CheckResult, type HealthReport, type HealthPhase } from './health';
export { startHost, stopOnSignals, type Host, type HostOptions } from './host';
export { runStandalone, isEntrypoint } from './standalone';
export { superviseCalls, logCallLifecycle, type CallSession, type CallSupervisor, type CallSupervisorOptions } from './calls';
