/** The current time; a port so tests can fix "now" (minimum notice, days ahead). */
export interface Clock {
  now(): Date;
}
