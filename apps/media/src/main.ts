import { CallChannel as ChannelKind, EndReason } from '@voiceagent/contracts';
import { isEntrypoint, logCallLifecycle, runStandalone, type ServiceDefinition } from '@voiceagent/runtime';
import { BusCallChannel } from './adapters/bus-call-channel';
import { BusCallRouter } from './adapters/bus-call-router';
import { CallTelemetry } from './adapters/call-telemetry';
import { GrpcVoicemailBox } from './adapters/grpc-voicemail-box';
import { SipEdge } from './adapters/sip/sip-edge';
import { MediaCall } from './domain/media-call';
import type { PlayoutTiming } from './domain/playout-watch';
import { SourcePolicy } from './domain/source-policy';
import { DEFAULT_VOICEMAIL_SETTINGS, type VoicemailSettings } from './domain/voicemail-recording';
import type { VoicemailBox } from './ports/voicemail-box';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());
/** Leave time within the host's grace period to hang up and close. */
const drainMs = (graceMs: number) => Math.max(0, graceMs - 2000);
const list = (value: string | undefined) => (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
/** How long a new call waits for the gateway's routing decision before it is taken as an AI session. */
const ROUTING_TIMEOUT_MS = 1000;

export interface MediaServiceOptions {
  /** Voicemail length and silence limits (default: two minutes, five seconds of silence). */
  readonly voicemail?: Partial<VoicemailSettings>;
  /** Default: EscalationService over gRPC at ESCALATION_ADDRESS. */
  readonly voicemailBox?: VoicemailBox;
  readonly playout?: PlayoutTiming;
  readonly routingTimeoutMs?: number;
}

/**
 * Composition root of the media service: the SIP/RTP edge feeds answered
 * calls to MediaCall, which moves their audio and control over the bus.
 */
export function createMediaService(options: MediaServiceOptions = {}): ServiceDefinition {
  return {
    name: 'media',
    async start({ bus, config, logger, health, telemetry }) {
      const digestUsers = new Map(list(config.SIP_DIGEST_USERS).map((pair) => [pair.slice(0, pair.indexOf(':')), pair.slice(pair.indexOf(':') + 1)] as const));
      const allowed = config.SIP_ALLOWED_SOURCES !== undefined ? list(config.SIP_ALLOWED_SOURCES) : digestUsers.size > 0 ? [] : SourcePolicy.LOOPBACK;
      if (config.SIP_ALLOWED_SOURCES === undefined && digestUsers.size === 0) {
        logger.warn('SIP_ALLOWED_SOURCES and SIP_DIGEST_USERS are not set: SIP is accepted from this machine only');
      }
      const calls = new Map<string, MediaCall>();
      const router = new BusCallRouter(bus, options.routingTimeoutMs ?? ROUTING_TIMEOUT_MS);
      let grpcVoicemail: GrpcVoicemailBox | undefined;
      const voicemail = options.voicemailBox ?? (grpcVoicemail = new GrpcVoicemailBox(config.ESCALATION_ADDRESS));
      const voicemailSettings = { ...DEFAULT_VOICEMAIL_SETTINGS, ...options.voicemail };
      const started = SipEdge.start({
        host: config.SIP_HOST,
        port: config.SIP_PORT,
        transports: list(config.SIP_TRANSPORTS) as ('udp' | 'tcp')[],
        publicAddress: config.SIP_PUBLIC_ADDRESS,
        rtpPorts: { min: config.RTP_PORT_MIN, max: config.RTP_PORT_MAX },
        sources: new SourcePolicy({ allowed, ratePerSecond: config.SIP_RATE_LIMIT }),
        digest: digestUsers.size > 0 ? { realm: config.SIP_DIGEST_REALM, users: digestUsers } : undefined,
        maxCalls: config.MAX_CALLS,
        answerDelayMs: config.SIP_ANSWER_DELAY_MS,
        logger,
        onCall(callId, leg) {
          const traced = new CallTelemetry({ bus, callId, channel: 'sip', tracer: telemetry.tracer('media'), metrics: telemetry.metrics });
          const call = new MediaCall({
            callId, leg, channel: new BusCallChannel(bus, callId, traced), kind: ChannelKind.CALL_CHANNEL_SIP, echo: config.MEDIA_ECHO, logger,
            router, voicemail, voicemailSettings, playoutTiming: options.playout,
          });
          calls.set(callId, call);
          call.start();
          void call.ended.then((summary) => {
            traced.end(summary);
            calls.delete(callId);
            logger.info({ callId, ...summary }, 'call ended');
          });
        },
      });
      const edge = await started.catch((error: unknown) => {
        grpcVoicemail?.close();
        throw error;
      });
      logger.info({ ports: edge.ports, host: config.SIP_HOST, echo: config.MEDIA_ECHO, allowed, digest: digestUsers.size > 0 }, 'SIP listening');
      const lifecycleLog = logCallLifecycle(bus, logger);
      const unregister = health.register('media', () => ({ ok: true, detail: `${calls.size} calls; SIP ${JSON.stringify(edge.ports)}` }));
      return {
        async stop() {
          unregister();
          // Calls in progress may finish on their own within most of the grace period; then they are hung up.
          edge.stopAccepting();
          if (calls.size > 0) {
            logger.info({ calls: calls.size, waitMs: drainMs(config.SHUTDOWN_GRACE_MS) }, 'waiting for calls to finish (a second Ctrl-C stops at once)');
            await Promise.race([Promise.all([...calls.values()].map((call) => call.ended)), sleep(drainMs(config.SHUTDOWN_GRACE_MS))]);
          }
          await Promise.all([...calls.values()].map((call) => call.hangup(EndReason.END_REASON_ERROR, 'media service stopping')));
          await edge.close();
          grpcVoicemail?.close();
          lifecycleLog.unsubscribe();
        },
      };
    },
  };
}

export const mediaService: ServiceDefinition = createMediaService();

if (isEntrypoint(import.meta.url)) void runStandalone(mediaService);
