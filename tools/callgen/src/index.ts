export { placeCall, type CallScript, type CallReport, type TurnReport } from './caller';
export { runLoad, summarize, type LoadOptions, type LoadSummary } from './load';
export { speak, readWav, phoneBand, CALL_RATE_HZ, type Utterance } from './utterance';
export { SpeechOnsetDetector, speechEnd, SPEECH_DBFS } from './onset';
export { percentile } from './stats';
