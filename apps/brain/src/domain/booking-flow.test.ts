import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { dialogueWith } from '../../test/helpers';

describe('booking over several turns (local engine, in-memory booking)', () => {
  it('asks for each missing slot, reads back, and books only after yes', async () => {
    const { dialogue, output, booking } = await dialogueWith();
    const turns: Array<[string, string]> = [
      ['i need to make an appointment', 'Which service would you like to book?'],
      ['a whitening please', 'I can book a teeth whitening for you. What day and time would suit you?'],
      ['next tuesday afternoon', 'What time on Tuesday, December 9 works for you?'],
      ['two thirty', "So that's a teeth whitening on Tuesday, December 9 at 2:30 pm. Shall I book it?"],
    ];
    for (const [index, [say, expected]] of turns.entries()) {
      const { reply } = await dialogue.hear(`t${index}`, say);
      expect(reply.call.name).toBe('book_appointment');
      expect(output.spoken(`t${index}`)).toContain(expected);
    }
    expect(booking.booked).toHaveLength(0);
    const { reply } = await dialogue.hear('t9', 'yes please');
    expect(reply.call).toMatchObject({ name: 'book_appointment', args: { confirm: true } });
    expect(output.spoken('t9')).toContain("You're all set: a teeth whitening on Tuesday, December 9 at 2:30 pm.");
    expect(booking.booked.map((b) => b.start.toISOString())).toEqual(['2025-12-09T20:30:00.000Z']);
  });

  it('offers alternatives when the slot is taken and books the one accepted', async () => {
    const { dialogue, output, booking } = await dialogueWith();
    booking.take('cleaning', DateTime.fromISO('2025-12-02T15:00', { zone: 'America/Chicago' }).toJSDate());
    await dialogue.hear('t1', 'can i book a cleaning tomorrow at three');
    expect(output.spoken('t1')).toMatch(/^Sorry, Tuesday, December 2 at 3 pm isn't available\. I could do .* Would either of those work\?$/);
    await dialogue.hear('t2', 'yes');
    expect(output.spoken('t2')).toMatch(/Shall I book it\?$/);
    await dialogue.hear('t3', 'yes');
    expect(output.spoken('t3')).toContain("You're all set");
    expect(booking.booked).toHaveLength(2);
  });

  it('changes the time when the caller corrects the read-back', async () => {
    const { dialogue, output } = await dialogueWith();
    await dialogue.hear('t1', 'schedule an exam on thursday at nine am');
    expect(output.spoken('t1')).toContain('Thursday, December 4 at 9 am');
    await dialogue.hear('t2', 'no make it ten thirty');
    expect(output.spoken('t2')).toContain('Thursday, December 4 at 10:30 am. Shall I book it?');
  });
});
