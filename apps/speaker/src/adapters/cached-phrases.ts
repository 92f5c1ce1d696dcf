import type { PhraseCache, SynthesisOptions } from '@voiceagent/tts';
import type { PhraseAudio } from '../ports/phrase-audio';

/** The service's phrase cache at one call's rate. */
export class CachedPhrases implements PhraseAudio {
  constructor(
    private readonly cache: PhraseCache,
    private readonly options: SynthesisOptions,
  ) {}

  lookup(text: string): Uint8Array | undefined {
    return this.cache.get(text, this.options);
  }

  render(text: string): Promise<Uint8Array> {
    return this.cache.synthesize(text, this.options);
  }
}
