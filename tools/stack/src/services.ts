import type { ServiceDefinition } from '@voiceagent/runtime';

interface ServiceEntry {
  readonly name: string;
  /** Loaded on demand, so a subset (SERVICES=media) does not load the engines of the others. */
  load(): Promise<ServiceDefinition>;
}

/**
 * Every long-running service, in start order: back-end services first, then
 * the control plane (gateway, which routes new calls), the call edge (media)
 * last, so nothing accepts a call before the stages behind it are listening.
 * Stopped in reverse.
 * (connect-trigger is a Lambda and runs in AWS, not here.)
 */
export const allServices: readonly ServiceEntry[] = [
  { name: 'booking', load: async () => (await import('@voiceagent/booking')).bookingService },
  { name: 'escalation', load: async () => (await import('@voiceagent/escalation')).escalationService },
  { name: 'brain', load: async () => (await import('@voiceagent/brain')).brainService },
  { name: 'speaker', load: async () => (await import('@voiceagent/speaker')).speakerService },
  { name: 'listener', load: async () => (await import('@voiceagent/listener')).listenerService },
  { name: 'gateway', load: async () => (await import('@voiceagent/gateway')).gatewayService },
  { name: 'media', load: async () => (await import('@voiceagent/media')).mediaService },
];

/** The services named in SERVICES (comma-separated), in start order; all when unset. */
export async function loadServices(names: string | undefined): Promise<readonly ServiceDefinition[]> {
  const wanted = names ? names.split(',').map((n) => n.trim()).filter(Boolean) : allServices.map((s) => s.name);
  const unknown = wanted.filter((n) => !allServices.some((s) => s.name === n));
  if (unknown.length > 0) throw new Error(`SERVICES: unknown service ${unknown.join(', ')} (known: ${allServices.map((s) => s.name).join(', ')})`);
  return Promise.all(allServices.filter((s) => wanted.includes(s.name)).map((s) => s.load()));
}
