import type { EndReason } from '@voiceagent/contracts';

/** Who called whom, as the network presented it. */
export interface CallParties {
  readonly caller: string;
  readonly called: string;
  /** Signalling headers worth passing on (User-to-User, X-*, Diversion...). */
  readonly headers: Readonly<Record<string, string>>;
  readonly sampleRateHz: number;
}

export interface TransferOutcome {
  readonly success: boolean;
  /** Final SIP status (REFER response or NOTIFY sipfrag), 0 if none came. */
  readonly sipStatus: number;
  readonly detail: string;
}

export interface CallLegEvents {
  /** 20 ms of caller audio, linear16 at `sampleRateHz`. */
  onAudio(pcm: Uint8Array): void;
  onDtmf(digit: string, durationMs: number): void;
  /** The network ended the call (remote hangup, media timeout, failure). */
  onEnded(reason: EndReason, detail: string): void;
}

/**
 * The telephony side of one answered call, in the media domain's words. The
 * SIP/RTP edge implements it; a WebSocket or KVS edge would too.
 */
export interface CallLeg {
  readonly parties: CallParties;
  /** Events flow from the moment this is called; called once. */
  listen(events: CallLegEvents): void;
  /** Queue 20 ms of agent audio for paced playout; `onSent` hears when it went out (true) or that it never will (false). */
  play(pcm: Uint8Array, onSent?: (sent: boolean) => void): void;
  /** Drop queued playout at once (barge-in); returns how many frames were dropped. */
  flush(): number;
  /** True while agent audio is queued or playing. */
  isPlaying(): boolean;
  sendDtmf(digits: string): void;
  hangup(reason: string): Promise<void>;
  /** Blind transfer (REFER); resolves with how it ended. */
  transfer(target: string): Promise<TransferOutcome>;
  /** Release sockets and timers; called once, after the call ended. */
  release(): void;
}
