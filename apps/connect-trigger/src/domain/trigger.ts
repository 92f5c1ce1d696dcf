import type { SessionApi } from '../ports/session-api';
import { startSessionFromEvent } from './contact-flow-event';

export interface TriggerResult {
  /** Read by the contact flow (`$.External.lambdaResult`), as Deepgram's trigger does. */
  readonly lambdaResult: 'success' | 'fail';
  readonly reason?: string;
}

/** Handles one contact-flow invocation: validate, then start a session. Never throws. */
export async function triggerSession(event: unknown, api: SessionApi, log: (level: 'info' | 'error', fields: object, msg: string) => void): Promise<TriggerResult> {
  try {
    const command = startSessionFromEvent(event);
    await api.start(command);
    log('info', { contactId: command.contactId }, 'session started');
    return { lambdaResult: 'success' };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    log('error', { reason }, 'session not started');
    return { lambdaResult: 'fail', reason };
  }
}
