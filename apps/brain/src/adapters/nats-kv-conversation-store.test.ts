import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { NatsServer, eventually } from '@voiceagent/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationState } from '../ports/conversation-store';
import {
  ConversationStateError, DEFAULT_CONVERSATION_BUCKET, DEFAULT_CONVERSATION_TTL_MS, NatsKvConversationStore, conversationKey,
} from './nats-kv-conversation-store';

const state = (callId: string, turns = 1): ConversationState => ({
  callId,
  callerNumber: '+15125550111',
  turns,
  messages: [
    { role: 'assistant', content: 'Hello, Bright Smile Dental.' },
    { role: 'user', content: 'how much is a cleaning' },
    {
      role: 'assistant', content: 'A cleaning costs one hundred twenty dollars.',
      toolCall: { id: 't1', name: 'answer_from_knowledge', args: { question: 'price of a cleaning', fact_ids: ['service:cleaning'] } },
    },
    { role: 'tool', toolCallId: 't1', name: 'answer_from_knowledge', content: '{"facts":["service:cleaning"]}' },
  ],
});

let server: NatsServer;
const connections: NatsConnection[] = [];
const open = async (): Promise<NatsConnection> => {
  const nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  connections.push(nc);
  return nc;
};

beforeAll(async () => {
  server = await NatsServer.start({ jetstream: true });
});
afterEach(async () => {
  await Promise.all(connections.splice(0).map((nc) => nc.close()));
});
afterAll(async () => {
  await server?.dispose();
});

describe('NatsKvConversationStore', () => {
  it('shares state between two instances on two connections, and delete removes it for both', async () => {
    const first = await NatsKvConversationStore.open(await open(), { bucket: 'shared' });
    const second = await NatsKvConversationStore.open(await open(), { bucket: 'shared' });

    expect(await second.get('call-1')).toBeUndefined();
    await first.put(state('call-1', 1));
    expect(await second.get('call-1')).toEqual(state('call-1', 1));

    await second.put(state('call-1', 2));
    expect((await first.get('call-1'))?.turns).toBe(2);

    await first.delete('call-1');
    expect(await second.get('call-1')).toBeUndefined();
    expect(await first.get('call-1')).toBeUndefined();
    // Deleting what is not there is fine (close after a call that never spoke).
    await second.delete('never-stored');
  });

  it('creates the bucket with one revision per key and a TTL, by default named brain-conversations', async () => {
    const store = await NatsKvConversationStore.open(await open());
    expect(store.bucket).toBe(DEFAULT_CONVERSATION_BUCKET);
    const status = await (await new Kvm(await open()).open(DEFAULT_CONVERSATION_BUCKET)).status();
    expect(status.history).toBe(1);
    expect(status.ttl).toBe(DEFAULT_CONVERSATION_TTL_MS);
    expect(DEFAULT_CONVERSATION_TTL_MS).toBe(4 * 60 * 60 * 1000);
  });

  it('lets an abandoned conversation expire after the TTL', async () => {
    const store = await NatsKvConversationStore.open(await open(), { bucket: 'expiring', ttlMs: 1000 });
    await store.put(state('abandoned'));
    expect(await store.get('abandoned')).toBeDefined();
    await eventually(async () => expect(await store.get('abandoned')).toBeUndefined(), { timeoutMs: 10_000, intervalMs: 100 });
  });

  it('stores call ids that are not valid KV keys under distinct keys', async () => {
    const store = await NatsKvConversationStore.open(await open(), { bucket: 'odd-ids' });
    const sipCallId = 'a84b4c76e66710@pc33.example.com';
    const dotted = 'a84b4c76e66710.pc33';
    await store.put(state(sipCallId, 1));
    await store.put(state(dotted, 2));
    expect((await store.get(sipCallId))?.turns).toBe(1);
    expect((await store.get(dotted))?.turns).toBe(2);
    expect(conversationKey('0b6f3a52-9a0e-4f5e-8a53-1f0c2d7e9b11')).toBe('0b6f3a52-9a0e-4f5e-8a53-1f0c2d7e9b11');
    expect(conversationKey(sipCallId)).toMatch(/^=[-_a-zA-Z0-9]+$/);
    await expect(store.put(state(''))).rejects.toThrow('a conversation needs a call id');
  });

  it('reports bad JSON or a wrong shape in the bucket as a clear error, and keeps working', async () => {
    const nc = await open();
    const store = await NatsKvConversationStore.open(nc, { bucket: 'corrupt' });
    const raw = await new Kvm(nc).open('corrupt');

    await raw.put('broken', '{"callId": "broken", ');
    const notJson = await store.get('broken').catch((error: unknown) => error);
    expect(notJson).toBeInstanceOf(ConversationStateError);
    expect((notJson as Error).message).toMatch(/^conversation of call "broken" in KV bucket "corrupt" is not JSON/);

    await raw.put('shape', JSON.stringify({ ...state('shape'), turns: -1 }));
    await expect(store.get('shape')).rejects.toThrow(/call "shape" .* is not valid: .*turns/);

    const badTool = { ...state('tool'), messages: [{ role: 'assistant', content: 'ok', toolCall: { id: 'x', name: 'launch_rockets', args: {} } }] };
    await raw.put('tool', JSON.stringify(badTool));
    await expect(store.get('tool')).rejects.toThrow(/unknown tool "launch_rockets"/);

    await raw.put('other', JSON.stringify(state('someone-else')));
    await expect(store.get('other')).rejects.toThrow('belongs to call "someone-else"');

    await store.put(state('fine'));
    expect(await store.get('fine')).toEqual(state('fine'));
  });

  it('keeps state across a nats-server restart and works again once reconnected', async () => {
    const store = await NatsKvConversationStore.open(await open(), { bucket: 'durable' });
    await store.put(state('survivor', 3));
    await server.restart();
    const value = await eventually(async () => store.get('survivor'), { timeoutMs: 15_000, intervalMs: 100 });
    expect(value?.turns).toBe(3);
    await store.put(state('survivor', 4));
    expect((await store.get('survivor'))?.turns).toBe(4);
  });
});
