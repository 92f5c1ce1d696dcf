import { bookingService } from '@voiceagent/booking';
import { brainService } from '@voiceagent/brain';
import { escalationService } from '@voiceagent/escalation';
import { gatewayService } from '@voiceagent/gateway';
import { listenerService } from '@voiceagent/listener';
import { mediaService } from '@voiceagent/media';
import type { ServiceDefinition } from '@voiceagent/runtime';
import { speakerService } from '@voiceagent/speaker';

/**
 * Every long-running service, in start order: back-end services first, the
 * call edge (media) and the control plane (gateway) last, so nothing accepts a
 * call before the stages behind it are listening. Stopped in reverse.
 * (connect-trigger is a Lambda and runs in AWS, not here.)
 */
export const allServices: readonly ServiceDefinition[] = [
  bookingService,
  escalationService,
  brainService,
  speakerService,
  listenerService,
  mediaService,
  gatewayService,
];
