/**
 * What BookingService puts beside the status on errors, shared by the server
 * and the client so the two cannot drift apart.
 */

/** Binary trailer on ALREADY_EXISTS: a serialized `SlotTaken` message with free slots nearby. */
export const BOOKING_ALTERNATIVES_TRAILER = 'booking-alternatives-bin';
/** Text trailer on INVALID_ARGUMENT: the request field at fault, by its proto name (`start`, `service`, ...). */
export const BOOKING_FIELD_TRAILER = 'booking-field';
