import { isEntrypoint, logCallLifecycle, runStandalone, type ServiceDefinition } from '@voiceagent/runtime';

/**
 * Composition root of the media service. Until the SIP/RTP edge (issue: media service) lands, it
 * follows and logs the call lifecycle on the bus.
 */
export const mediaService: ServiceDefinition = {
  name: 'media',
  async start({ bus, logger }) {
    const lifecycleLog = logCallLifecycle(bus, logger);
    return {
      async stop() {
        lifecycleLog.unsubscribe();
      },
    };
  },
};

if (isEntrypoint(import.meta.url)) void runStandalone(mediaService);
