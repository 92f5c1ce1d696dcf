import { APPOINTMENTS_NO_OVERLAP, APPOINTMENTS_REQUEST_ID_UNIQUE } from './schema';

/** SQLSTATE codes the stores act on (PostgreSQL appendix A; PGlite reports the same). */
export const SqlState = {
  uniqueViolation: '23505',
  exclusionViolation: '23P01',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
} as const;

/** The requested time overlaps a booked appointment of the same resource. */
export class SlotTakenError extends Error {
  override readonly name = 'SlotTakenError';
  constructor(options?: ErrorOptions) {
    super('the slot overlaps an existing booking', options);
  }
}

/** An appointment with this request id exists already (Book is idempotent per request id). */
export class DuplicateRequestError extends Error {
  override readonly name = 'DuplicateRequestError';
  constructor(options?: ErrorOptions) {
    super('an appointment with this request id exists already', options);
  }
}

/** What node-postgres and PGlite errors have in common. */
interface DriverError {
  readonly code: string;
  readonly constraint?: string;
}

/**
 * The driver error inside `error`: drizzle wraps driver errors in
 * DrizzleQueryError (`cause`), and callers may wrap them again.
 */
export function driverError(error: unknown): DriverError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const { code, constraint } = current as { code?: unknown; constraint?: unknown };
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
      return typeof constraint === 'string' ? { code, constraint } : { code };
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True for errors after which repeating the whole transaction may succeed. */
export function isRetryable(error: unknown): boolean {
  const code = driverError(error)?.code;
  return code === SqlState.serializationFailure || code === SqlState.deadlockDetected;
}

/**
 * The typed error for a constraint violation the domain has a word for, or
 * `error` itself. Keyed on constraint names, not messages, so it holds for
 * both drivers and any server locale.
 */
export function toConstraintError(error: unknown): unknown {
  const found = driverError(error);
  if (!found) return error;
  if (found.constraint === APPOINTMENTS_NO_OVERLAP && found.code === SqlState.exclusionViolation) {
    return new SlotTakenError({ cause: error });
  }
  if (found.constraint === APPOINTMENTS_REQUEST_ID_UNIQUE && found.code === SqlState.uniqueViolation) {
    return new DuplicateRequestError({ cause: error });
  }
  return error;
}

/** Runs `operation`, rethrowing constraint violations as SlotTakenError / DuplicateRequestError. */
export async function mapConstraintErrors<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toConstraintError(error);
  }
}
