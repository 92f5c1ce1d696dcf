/** The current time; a port so tests can fix "now". */
export interface Clock {
  now(): Date;
}
