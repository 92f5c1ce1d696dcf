import type { StartSessionCommand } from '../domain/contact-flow-event';
import type { SessionApi } from '../ports/session-api';

/** POSTs sessions to the gateway (`SESSION_API_URL`), authenticated with a bearer token. */
export class HttpSessionApi implements SessionApi {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string | undefined,
    private readonly timeoutMs = 5000,
  ) {}

  async start(command: StartSessionCommand): Promise<void> {
    const response = await fetch(new URL('/v1/sessions', this.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
      body: JSON.stringify({ mode: 'transcribe', ...command }),
      // Connect waits at most 8 s for a synchronous Lambda.
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) throw new Error(`session API answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
  }
}
