import type { StartSessionCommand } from '../domain/contact-flow-event';

/** The gateway's session API, as the Lambda sees it. */
export interface SessionApi {
  start(command: StartSessionCommand): Promise<void>;
}
