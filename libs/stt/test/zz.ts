import { collect, concat, localEngine, silence, speak, pushAll, trimSilence } from './speech';
const engine = await localEngine();
const show = async (label: string, audio: Int16Array) => { const s = engine.stream({ sampleRateHz: 8000 }); const ev = collect(s); pushAll(s, audio); await s.close(); const e = await ev; console.log(label, '=>', e.filter(x=>x.type!=='partial').map(x => x.type === 'final' ? `[${x.text}]` : x.type==='speech_started'? `S` : x.type==='end_of_utterance' ? `E`: x.type).join(' ')); };
for (const [a, b] of [['my name is', 'john smith'], ['i would like to', 'speak to a person please'], ['can i speak', 'to a person please'], ['is there parking', 'near the shop'], ['what time do you open', 'on saturday'], ['i would like to book', 'a haircut for tomorrow']]) {
  const p1 = trimSilence(speak(a!).samples), p2 = trimSilence(speak(b!).samples);
  for (const pause of [300, 1000]) await show(`${a} | ${b} ${pause}`, concat(silence(500), p1, silence(pause), p2, silence(1000)));
}
