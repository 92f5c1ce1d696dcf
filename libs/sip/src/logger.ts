/** The pino-style subset the SIP stack logs through. */
export interface SipLogger {
  debug(context: object, message: string): void;
  info(context: object, message: string): void;
  warn(context: object, message: string): void;
  error(context: object, message: string): void;
}

const ignore = (): void => undefined;

export const silentLogger: SipLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
