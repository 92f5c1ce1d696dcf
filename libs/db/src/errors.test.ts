import { DrizzleQueryError } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { DuplicateRequestError, driverError, isRetryable, SlotTakenError, toConstraintError } from './index';

// Shaped like the drivers' errors: node-postgres' DatabaseError and PGlite's both carry code and constraint.
const driverFailure = (code: string, constraint?: string) => Object.assign(new Error('driver'), { code, constraint });
const wrapped = (cause: Error) => new DrizzleQueryError('insert into ...', [], cause);

describe('constraint errors', () => {
  it('finds the driver error inside drizzle wrappers', () => {
    expect(driverError(wrapped(driverFailure('23P01', 'appointments_no_overlap')))).toEqual({ code: '23P01', constraint: 'appointments_no_overlap' });
    expect(driverError(new Error('no code'))).toBeUndefined();
    expect(driverError(Object.assign(new Error('node'), { code: 'ECONNREFUSED' }))).toBeUndefined();
    expect(driverError('not an error')).toBeUndefined();
  });

  it('names the violations the domain knows and leaves the rest alone', () => {
    const slot = wrapped(driverFailure('23P01', 'appointments_no_overlap'));
    expect(toConstraintError(slot)).toBeInstanceOf(SlotTakenError);
    expect((toConstraintError(slot) as Error).cause).toBe(slot);
    expect(toConstraintError(wrapped(driverFailure('23505', 'appointments_request_id_unique')))).toBeInstanceOf(DuplicateRequestError);
    const other = wrapped(driverFailure('23505', 'handoffs_pkey'));
    expect(toConstraintError(other)).toBe(other);
    const check = wrapped(driverFailure('23514', 'appointments_time_order_check'));
    expect(toConstraintError(check)).toBe(check);
  });

  it('calls deadlocks and serialization failures retryable', () => {
    expect(isRetryable(wrapped(driverFailure('40P01')))).toBe(true);
    expect(isRetryable(wrapped(driverFailure('40001')))).toBe(true);
    expect(isRetryable(wrapped(driverFailure('23P01', 'appointments_no_overlap')))).toBe(false);
  });
});
