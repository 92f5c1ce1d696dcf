import { describe, expect, it } from 'vitest';
import { dialogueWith } from '../../test/helpers';

describe('a turn the recognizer was unsure of', () => {
  it('gets one request to say it again (no transfer yet), then a person if it is still unclear', async () => {
    const { dialogue, output } = await dialogueWith();
    const first = await dialogue.hear('t1', 'while his yor address', { confidence: 0.3 });
    expect(first.reply.call).toMatchObject({ name: 'answer_from_knowledge', args: { fact_ids: [] } });
    expect(output.spoken('t1')).toContain("Sorry, I didn't quite catch that. Could you say it again?");
    expect(first.reply.command).toBeUndefined();

    const second = await dialogue.hear('t2', 'while is yor dress', { confidence: 0.3 });
    expect(second.reply.call).toMatchObject({ name: 'transfer_to_human', args: { reason: 'unanswered question' } });
    expect(second.reply.command).toMatchObject({ kind: 'transfer' });
  });

  it('a clearly heard question the knowledge cannot answer goes to a person at once', async () => {
    const { dialogue } = await dialogueWith();
    const { reply } = await dialogue.hear('t1', 'how much is a dental implant', { confidence: 0.9 });
    expect(reply.call.name).toBe('transfer_to_human');
  });
});
