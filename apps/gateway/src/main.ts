import { UPSTREAM_ROUTE_HEADER, routeToJSON } from '@voiceagent/contracts';
import { KnowledgeStore, formatProblem } from '@voiceagent/knowledge';
import { isEntrypoint, logCallLifecycle, runStandalone, type ServiceDefinition } from '@voiceagent/runtime';
import { answerCallRouting } from './adapters/bus-call-routing';
import { followCallEvents } from './adapters/bus-call-events';
import { startHttpApi } from './adapters/http-api';
import { ActiveCalls } from './domain/active-calls';
import { ApiAccess } from './domain/api-access';
import { routeCall, upstreamRoute } from './domain/call-routing';

export interface GatewayOptions {
  /** Defaults to the system clock; tests fix it to route at a chosen instant. */
  readonly now?: () => Date;
}

/** Composition root of the gateway: the HTTP control plane on HTTP_PORT, and call routing on `calls.route`. */
export function createGatewayService(options: GatewayOptions = {}): ServiceDefinition {
  return {
    name: 'gateway',
    async start({ bus, config, logger, health, telemetry }) {
      const now = options.now ?? (() => new Date());
      const knowledge = await KnowledgeStore.open(config.KNOWLEDGE_FILE, {
        onProblems: (error) => logger.error({ file: config.KNOWLEDGE_FILE, problems: error.problems.map((p) => formatProblem(p)) }, 'knowledge reload refused; keeping the last good version'),
      });
      knowledge.onChange(() => logger.info({ file: config.KNOWLEDGE_FILE }, 'knowledge reloaded'));
      const routing = answerCallRouting(
        bus,
        ({ callId, call }) => {
          const caller = call?.caller ?? '';
          const decision = routeCall(knowledge.current(), now(), caller, upstreamRoute(call?.sipHeaders[UPSTREAM_ROUTE_HEADER]));
          logger.info({ callId, caller, route: routeToJSON(decision.route), reason: decision.reason, target: decision.target || undefined }, 'call routing decided');
          return decision;
        },
        (err, what) => logger.error({ err }, what),
      );
      const calls = new ActiveCalls();
      const access = ApiAccess.fromList(config.API_TOKENS);
      if (access.open) logger.warn('API_TOKENS is not set: the gateway API answers clients on this machine only');
      const unfollow = followCallEvents(bus, (event) => calls.apply(event));
      const lifecycleLog = logCallLifecycle(bus, logger);
      let http;
      try {
        http = await startHttpApi({ host: config.HTTP_HOST, port: config.HTTP_PORT, health, calls, access, logger, metrics: telemetry.handleMetricsRequest });
      } catch (error) {
        routing.unsubscribe();
        unfollow();
        lifecycleLog.unsubscribe();
        knowledge.close();
        throw error;
      }
      logger.info({ port: http.port }, 'HTTP listening');
      return {
        async stop() {
          routing.unsubscribe();
          await http.close();
          unfollow();
          lifecycleLog.unsubscribe();
          knowledge.close();
        },
      };
    },
  };
}

export const gatewayService: ServiceDefinition = createGatewayService();

if (isEntrypoint(import.meta.url)) void runStandalone(gatewayService);
