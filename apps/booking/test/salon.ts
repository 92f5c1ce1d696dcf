import { parseKnowledge, type Knowledge } from '@voiceagent/knowledge';

/**
 * A small salon in America/Chicago for tests: Monday, Tuesday, Thursday and
 * Friday with a lunch break, Saturday mornings, Sunday 00:00-06:00 (so DST
 * changes fall inside opening hours), Wednesday closed, a holiday on
 * 2025-07-04 and short hours on 2025-07-03. `booking` replaces the booking section.
 */
export function salonYaml(booking = DEFAULT_BOOKING): string {
  return `version: 1
business:
  name: Corner Cuts
  timezone: America/Chicago
hours:
  monday: [09:00-12:00, 13:00-17:00]
  tuesday: [09:00-12:00, 13:00-17:00]
  thursday: [09:00-12:00, 13:00-17:00]
  friday: [09:00-12:00, 13:00-17:00]
  saturday: 09:00-12:00
  sunday: 00:00-06:00
holidays:
  - date: 2025-07-04
    name: Independence Day
special_hours:
  - date: 2025-07-03
    hours: 10:00-12:00
services:
  - id: cut
    name: Haircut
    duration_minutes: 30
  - id: color
    name: Hair color
    duration_minutes: 60
  - id: tour
    name: Salon tour
transfer:
  default: desk
  targets:
    desk:
      sip: sip:desk@pbx.example.com
messages:
  greeting: Hello, {business}.
  closed: We are closed; we open {next_opening}.
  voicemail: Leave a message.
  transfer: Transferring you.
  goodbye: Bye.
  fallback: I am not sure.
${booking}
`;
}

export const DEFAULT_BOOKING = `booking:
  slot_minutes: 15
  min_notice_minutes: 60
  max_days_ahead: 30
  services: [cut, color]`;

export const salon = (booking = DEFAULT_BOOKING): Knowledge => parseKnowledge(salonYaml(booking), 'salon.yaml');
