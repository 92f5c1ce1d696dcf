/**
 * Voice names of the local engine (TTS_VOICE): a flite voice (`kal`, `kal16`,
 * `slt`, `rms`, `awb`, or a path to a .flitevox file; `flite:<voice>` also
 * works), or `espeak-ng` / `espeak-ng:<voice>` (e.g. `espeak-ng:en-us`,
 * `espeak-ng:en-gb+f3`).
 */
export type Backend = 'flite' | 'espeak-ng';

export interface LocalVoice {
  readonly backend: Backend;
  readonly name: string;
}

export const DEFAULT_VOICE = 'kal';
const DEFAULT_ESPEAK_VOICE = 'en-us';

/** Debian packages that provide each backend, for start-up errors. */
export const DEBIAN_PACKAGE: Record<Backend, string> = { flite: 'flite', 'espeak-ng': 'espeak-ng' };

export function parseVoice(voice: string): LocalVoice {
  const trimmed = voice.trim();
  const match = /^(flite|espeak-ng|espeak)(?::(.*))?$/.exec(trimmed);
  if (!match) return { backend: 'flite', name: trimmed };
  const backend: Backend = match[1] === 'flite' ? 'flite' : 'espeak-ng';
  const name = match[2]?.trim() || (backend === 'flite' ? DEFAULT_VOICE : DEFAULT_ESPEAK_VOICE);
  return { backend, name };
}

/**
 * kal comes as an 8 kHz and a 16 kHz build of the same voice: use the one
 * that needs no resampling for the call's rate.
 */
export function fliteVoiceForRate(name: string, sampleRateHz: number, available: ReadonlySet<string>): string {
  if (name === 'kal' && sampleRateHz > 8000 && available.has('kal16')) return 'kal16';
  if (name === 'kal16' && sampleRateHz <= 8000 && available.has('kal')) return 'kal';
  return name;
}

/** A flite voice must be installed (flite silently falls back to kal otherwise) or be a path to a voice file. */
export function isKnownFliteVoice(name: string, available: ReadonlySet<string>): boolean {
  return available.has(name) || name.includes('/');
}

/** `flite -lv` prints "Voices available: kal awb_time kal16 awb rms slt". */
export function parseFliteVoiceList(output: string): Set<string> {
  const list = /Voices available:(.*)/.exec(output)?.[1] ?? '';
  return new Set(list.split(/\s+/).filter(Boolean));
}
