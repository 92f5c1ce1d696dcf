export * from './subjects';
export { topics } from './topics';
export * from './gen/voiceagent/media/v1/audio';
export * from './gen/voiceagent/listener/v1/listener';
export * from './gen/voiceagent/brain/v1/brain';
export * from './gen/voiceagent/call/v1/call';
export * as booking from './gen/voiceagent/booking/v1/booking';
export * as escalation from './gen/voiceagent/escalation/v1/escalation';
export * as session from './gen/voiceagent/session/v1/session';
