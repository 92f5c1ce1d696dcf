import { isEntrypoint, logCallLifecycle, runStandalone, type ServiceDefinition } from '@voiceagent/runtime';
import { followCallEvents } from './adapters/bus-call-events';
import { startHttpApi } from './adapters/http-api';
import { ActiveCalls } from './domain/active-calls';
import { ApiAccess } from './domain/api-access';

/** Composition root of the gateway: the HTTP control plane on HTTP_PORT. */
export const gatewayService: ServiceDefinition = {
  name: 'gateway',
  async start({ bus, config, logger, health }) {
    const calls = new ActiveCalls();
    const access = ApiAccess.fromList(config.API_TOKENS);
    if (access.open) logger.warn('API_TOKENS is not set: the gateway API answers clients on this machine only');
    const unfollow = followCallEvents(bus, (event) => calls.apply(event));
    const lifecycleLog = logCallLifecycle(bus, logger);
    const http = await startHttpApi({ host: config.HTTP_HOST, port: config.HTTP_PORT, health, calls, access, logger });
    logger.info({ port: http.port }, 'HTTP listening');
    return {
      async stop() {
        await http.close();
        unfollow();
        lifecycleLog.unsubscribe();
      },
    };
  },
};

if (isEntrypoint(import.meta.url)) void runStandalone(gatewayService);
