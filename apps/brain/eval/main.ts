import { resolve } from 'node:path';
import { extractLiterals, facts, groundingKeys, LocalKnowledgeSearch, loadKnowledgeFile, ungroundedLiterals, type Knowledge } from '@voiceagent/knowledge';
import { LocalLanguageModel, type BookingToolResult } from '@voiceagent/llm';
import { DateTime } from 'luxon';
import { InMemoryBooking } from '../src/adapters/in-memory-booking';
import { MemoryConversationStore } from '../src/adapters/memory-conversation-store';
import { spokenWhen } from '../src/domain/booking-flow';
import { Dialogue } from '../src/domain/dialogue';
import type { AgentOutput } from '../src/ports/agent-output';
import { SCENARIOS } from './scenarios';

/**
 * `npm run eval -- brain`: the local engine over the scenario suite. Prints
 * tool accuracy, invented facts (values in a reply that neither the knowledge
 * nor the booking service's answer states) and decision latency.
 */

const NOW = new Date('2025-12-01T16:00:00Z'); // Monday 10:00 in Austin
const TARGET_ACCURACY = 0.95;
const TARGET_P95_MS = 20;

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

/** Values a booking reply may state: the slots the booking service answered with. */
function bookingPhrases(result: string, zone: string): string[] {
  const parsed = JSON.parse(result) as BookingToolResult;
  const slots = parsed.status === 'confirm' || parsed.status === 'booked' ? [parsed.slot]
    : parsed.status === 'taken' ? [parsed.requested, ...parsed.alternatives] : [];
  const days = parsed.status === 'needs' && parsed.date ? [DateTime.fromISO(parsed.date, { zone }).setLocale('en-US').toFormat('cccc, LLLL d')] : [];
  return [...days, ...slots.map((slot) => spokenWhen(DateTime.fromISO(`${slot.date}T${slot.time}`, { zone }).toJSDate(), zone))];
}

async function run(knowledge: Knowledge, verbose: boolean): Promise<boolean> {
  const source = { current: () => knowledge, onChange: () => () => undefined };
  const search = new LocalKnowledgeSearch(knowledge);
  const now = () => NOW;
  const engine = new LocalLanguageModel({ knowledge: source, search, now });
  const allKeys = groundingKeys(facts(knowledge));
  const zone = knowledge.business.timezone;
  let total = 0;
  let correct = 0;
  let invented = 0;
  let expectations = 0;
  let expectationsMet = 0;
  const latencies: number[] = [];
  const failures: string[] = [];

  // Untimed warm-up turns (not from the suite): the first calls pay for JIT and lazy parser set-up, not for decisions.
  const warm = new Dialogue('warm-up', '', { say: () => undefined, command: () => undefined, playedOut: () => Promise.resolve() }, { knowledge: () => knowledge, engine, store: new MemoryConversationStore(), booking: new InMemoryBooking(() => knowledge, now), now });
  for (let i = 0; i < 30; i++) {
    for (const say of ['book a teeth cleaning on friday at ten', 'yes', 'do you have a dog friendly office', 'what days are you open', 'goodbye']) await warm.hear(`w${i}`, say);
  }
  for (const scenario of SCENARIOS) {
    const booking = new InMemoryBooking(() => knowledge, now);
    booking.take('cleaning', DateTime.fromISO('2025-12-03T10:00', { zone }).toJSDate());
    const store = new MemoryConversationStore();
    const output: AgentOutput = { say: () => undefined, command: () => undefined, playedOut: () => Promise.resolve() };
    const dialogue = new Dialogue(`eval-${scenario.name}`, '+15125550111', output, { knowledge: () => knowledge, engine, store, booking, now });
    for (const [index, turn] of scenario.turns.entries()) {
      const started = performance.now();
      const { reply } = await dialogue.hear(`t${index + 1}`, turn.say);
      latencies.push(performance.now() - started);
      total++;
      const ok = reply.call.name === turn.tool;
      if (ok) correct++;
      const text = reply.text.toLowerCase();
      const missing = (turn.expect ?? []).filter((word) => !text.includes(word));
      expectations += turn.expect ? 1 : 0;
      expectationsMet += turn.expect && missing.length === 0 ? 1 : 0;
      // Booking replies may also state what the booking service answered (the tool result), nothing else.
      const extra = reply.call.name === 'book_appointment' ? bookingPhrases(reply.result, zone) : [];
      const bad = ungroundedLiterals(reply.text, new Set([...allKeys, ...extra.flatMap((phrase) => extractLiterals(phrase).flatMap((l) => l.keys))]));
      invented += bad.length;
      if (!ok || missing.length > 0 || bad.length > 0) {
        failures.push(`  ${scenario.name} #${index + 1} "${turn.say}": expected ${turn.tool}, got ${reply.call.name}${missing.length ? `; reply lacks ${missing.join(', ')}` : ''}${bad.length ? `; invented ${bad.map((l) => l.text).join(', ')}` : ''}\n    → ${reply.text}`);
      }
      if (verbose) console.log(`${reply.call.name.padEnd(22)} ${turn.say}\n${''.padEnd(23)}→ ${reply.text}`);
    }
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const accuracy = correct / total;
  const p95 = percentile(sorted, 0.95);
  console.log(`brain eval (local engine, ${knowledge.source})`);
  console.log(`  scenarios        ${SCENARIOS.length}`);
  console.log(`  caller turns     ${total}`);
  console.log(`  tool accuracy    ${(accuracy * 100).toFixed(1)}% (${correct}/${total}; target ≥ ${TARGET_ACCURACY * 100}%)`);
  console.log(`  reply checks     ${expectationsMet}/${expectations}`);
  console.log(`  invented facts   ${invented} (target 0)`);
  console.log(`  decision latency p50 ${percentile(sorted, 0.5).toFixed(2)} ms, p95 ${p95.toFixed(2)} ms, max ${(sorted[sorted.length - 1] ?? 0).toFixed(2)} ms (target p95 < ${TARGET_P95_MS} ms)`);
  if (failures.length) console.log(`failures:\n${failures.join('\n')}`);
  return accuracy >= TARGET_ACCURACY && invented === 0 && p95 < TARGET_P95_MS;
}

const args = process.argv.slice(2);
const suite = args.find((arg) => !arg.startsWith('-')) ?? 'brain';
if (suite !== 'brain') {
  console.error(`unknown eval suite "${suite}" (available: brain)`);
  process.exit(2);
}
const file = resolve(process.env['KNOWLEDGE_FILE'] ?? 'examples/knowledge.yaml');
const passed = await run(await loadKnowledgeFile(file), args.includes('--verbose'));
process.exitCode = passed ? 0 : 1;
