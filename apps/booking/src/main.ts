import { isEntrypoint, logCallLifecycle, runStandalone, type ServiceDefinition } from '@voiceagent/runtime';

/**
 * Composition root of the booking service. Until the gRPC BookingService (issue: booking and escalation) lands, it
 * follows and logs the call lifecycle on the bus.
 */
export const bookingService: ServiceDefinition = {
  name: 'booking',
  async start({ bus, logger }) {
    const lifecycleLog = logCallLifecycle(bus, logger);
    return {
      async stop() {
        lifecycleLog.unsubscribe();
      },
    };
  },
};

if (isEntrypoint(import.meta.url)) void runStandalone(bookingService);
