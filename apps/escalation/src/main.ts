import { isEntrypoint, logCallLifecycle, runStandalone, type ServiceDefinition } from '@voiceagent/runtime';

/**
 * Composition root of the escalation service. Until the gRPC EscalationService (issue: booking and escalation) lands, it
 * follows and logs the call lifecycle on the bus.
 */
export const escalationService: ServiceDefinition = {
  name: 'escalation',
  async start({ bus, logger }) {
    const lifecycleLog = logCallLifecycle(bus, logger);
    return {
      async stop() {
        lifecycleLog.unsubscribe();
      },
    };
  },
};

if (isEntrypoint(import.meta.url)) void runStandalone(escalationService);
