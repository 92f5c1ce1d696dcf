export { bookingClient, toRpcError, type Appointment, type AppointmentStatus, type AvailabilityQuery, type BookInput, type BookingClient, type BookingClientOptions } from './booking-client';
export { BOOKING_ALTERNATIVES_TRAILER, BOOKING_FIELD_TRAILER } from './booking-wire';
export { InvalidBookingError, NotFoundError, RpcError, SlotTakenError, type Slot } from './errors';
export { escalationClient, type EscalationClient, type EscalationClientOptions, type HandoffInput, type VoicemailInput } from './escalation-client';
export { serveGrpc, type GrpcServerHandle } from './server';
export type { CallOptions } from './unary';
