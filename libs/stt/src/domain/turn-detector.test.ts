import { describe, expect, it } from 'vitest';
import { TurnDetector, type SpeechSegment, type TurnSignal } from './turn-detector';

/**
 * Drives the detector with a scripted voice activity track: speech in the
 * given [start, end) spans, observed every 20 ms, the way the VAD reports it
 * (a segment closes `closeLagMs` after the speech ends).
 */
function run(detector: TurnDetector, speech: [number, number][], untilMs: number, closeLagMs = 100): TurnSignal[] {
  const signals: TurnSignal[] = [];
  const open = new Set<number>();
  for (let at = 20; at <= untilMs; at += 20) {
    const segmentsEnded: SpeechSegment[] = [];
    speech.forEach(([start, end], i) => {
      if (at >= start && at < end + closeLagMs) open.add(i);
      else if (open.has(i) && at >= end + closeLagMs) {
        open.delete(i);
        segmentsEnded.push({ startMs: start, endMs: end });
      }
    });
    signals.push(...detector.update({ positionMs: at, speaking: open.size > 0, segmentsEnded }));
  }
  return signals;
}

const settings = { silenceMs: 400, maxUtteranceMs: 15_000 };

describe('TurnDetector', () => {
  it('starts a turn on speech and ends it once the pause reaches silenceMs', () => {
    const signals = run(new TurnDetector(settings, { onsetLagMs: 200 }), [[1000, 2500]], 4000);
    expect(signals).toEqual([
      { kind: 'started', atMs: 800 },
      { kind: 'ended', atMs: 2900, startMs: 1000, lastSpeechAtMs: 2500 },
    ]);
  });

  it('keeps the turn through a shorter pause and ends at a longer one', () => {
    const short = run(new TurnDetector(settings), [[1000, 2000], [2300, 3000]], 5000);
    expect(short.map((s) => s.kind)).toEqual(['started', 'ended']);
    expect(short[1]).toMatchObject({ startMs: 1000, lastSpeechAtMs: 3000 });
    const long = run(new TurnDetector(settings), [[1000, 2000], [3000, 4000]], 6000);
    expect(long).toEqual([
      { kind: 'started', atMs: 1000 },
      { kind: 'ended', atMs: 2400, startMs: 1000, lastSpeechAtMs: 2000 },
      { kind: 'started', atMs: 3000 },
      { kind: 'ended', atMs: 4400, startMs: 3000, lastSpeechAtMs: 4000 },
    ]);
  });

  it('is exact at the boundary: a pause one frame short of silenceMs does not end the turn', () => {
    // The first segment closes at 2100; the second begins while the pause is 380 ms old.
    const signals = run(new TurnDetector(settings), [[1000, 2000], [2380, 3000]], 5000, 100);
    expect(signals.map((s) => s.kind)).toEqual(['started', 'ended']);
  });

  it('waits the longer pause while the words sound unfinished, and the short one once they do not', () => {
    const adaptive = { silenceMs: 300, unfinishedSilenceMs: 800, maxUtteranceMs: 15_000 };
    /** Speech 1000–2000, then silence; the words sound unfinished while `unfinished(at)`. */
    const endAt = (unfinished: (at: number) => boolean) => {
      const detector = new TurnDetector(adaptive);
      for (let at = 20; at <= 4000; at += 20) {
        const speaking = at >= 1000 && at < 2100;
        const segmentsEnded = at === 2100 ? [{ startMs: 1000, endMs: 2000 }] : [];
        const ended = detector.update({ positionMs: at, speaking, segmentsEnded, unfinished: unfinished(at) }).find((s) => s.kind === 'ended');
        if (ended) return ended.atMs;
      }
      return undefined;
    };
    expect(endAt(() => false)).toBe(2300);
    expect(endAt(() => true)).toBe(2800);
    // "open on" … "saturday": the last word comes out of the recognizer during the pause.
    expect(endAt((at) => at < 2500)).toBe(2500);
    // Without the setting, one pause for all.
    expect(run(new TurnDetector({ silenceMs: 300, maxUtteranceMs: 15_000 }), [[1000, 2000]], 4000).at(-1)).toMatchObject({ atMs: 2300 });
  });

  describe('a rise in level during a pause', () => {
    /** Speech 1000–2000 (segment closes at 2100), then a pause; `level(at)` and `speakingAt(at)` script the rest. */
    function pause(level: (at: number) => number, speakingAt: (at: number) => boolean, untilMs = 4000): TurnSignal[] {
      const detector = new TurnDetector(settings, { onsetLagMs: 200 });
      const signals: TurnSignal[] = [];
      for (let at = 1000; at <= untilMs; at += 20) {
        const segmentsEnded = at === 2100 ? [{ startMs: 1000, endMs: 2000 }] : [];
        const speaking = at < 2100 || speakingAt(at);
        signals.push(...detector.update({ positionMs: at, speaking, segmentsEnded, levelDbfs: at < 2100 ? -20 : level(at) }));
      }
      return signals;
    }

    it('holds the turn while the detector has yet to confirm a caller resuming', () => {
      // The caller resumes at 2300 (a soft onset), confirmed by the detector only at 2500, after the 400 ms pause ran out at 2400.
      const signals = pause((at) => (at >= 2300 ? -30 : -70), (at) => at >= 2500 && at < 3000);
      expect(signals.map((s) => s.kind)).toEqual(['started', 'ended']);
      expect(signals[1]).toMatchObject({ atMs: 3400, lastSpeechAtMs: 3000 });
    });

    it('holds it at most resumeWindowMs for a sound that is not speech, then ends it', () => {
      const click = pause((at) => (at >= 2300 && at < 2340 ? -30 : -70), () => false);
      // Rise at 2300, window 400 ms (onset lag + 200): released at 2700, where the pause has long run out.
      expect(click).toEqual([
        { kind: 'started', atMs: 800 },
        { kind: 'ended', atMs: 2700, startMs: 1000, lastSpeechAtMs: 2000 },
      ]);
    });

    it('never holds it for steady noise, however loud', () => {
      const noisy = pause(() => -35, () => false);
      expect(noisy[1]).toEqual({ kind: 'ended', atMs: 2400, startMs: 1000, lastSpeechAtMs: 2000 });
    });

    it('ignores rises too quiet to be a voice', () => {
      const hiss = pause((at) => (at >= 2300 ? -58 : -90), () => false);
      expect(hiss[1]).toMatchObject({ atMs: 2400 });
    });
  });

  it('settles a long utterance at a pause without ending the turn', () => {
    const signals = run(new TurnDetector({ silenceMs: 400, maxUtteranceMs: 3000 }), [[0, 3500], [3700, 5000]], 6000);
    expect(signals).toEqual([
      { kind: 'started', atMs: 20 },
      { kind: 'cut', startMs: 0, endMs: 3500 },
      { kind: 'ended', atMs: 5400, startMs: 3500, lastSpeechAtMs: 5000 },
    ]);
  });

  it('forceEnd ends the turn now, and starts another if the caller is still speaking', () => {
    const detector = new TurnDetector(settings);
    expect(detector.forceEnd(100, true)).toEqual([]);
    detector.update({ positionMs: 500, speaking: true, segmentsEnded: [] });
    expect(detector.forceEnd(900, true)).toEqual([
      { kind: 'ended', atMs: 900, startMs: 500, lastSpeechAtMs: 900 },
      { kind: 'started', atMs: 900 },
    ]);
    expect(detector.inTurn).toBe(true);
    expect(detector.forceEnd(1000, false)).toEqual([{ kind: 'ended', atMs: 1000, startMs: 900, lastSpeechAtMs: 1000 }]);
    expect(detector.inTurn).toBe(false);
  });

  it('treats a segment that opened and closed within one observation as a whole utterance', () => {
    const detector = new TurnDetector(settings);
    expect(detector.update({ positionMs: 1000, speaking: false, segmentsEnded: [{ startMs: 200, endMs: 700 }] })).toEqual([{ kind: 'started', atMs: 200 }]);
    expect(detector.update({ positionMs: 1100, speaking: false, segmentsEnded: [] })).toEqual([
      { kind: 'ended', atMs: 1100, startMs: 200, lastSpeechAtMs: 700 },
    ]);
  });
});
