import { EndReason } from '@voiceagent/contracts';
import { negotiateAnswer, parseDtmfRelay, type Dialog, type DialogEndReason, type NegotiatedAudio, type RtpSession } from '@voiceagent/sip';
import type { Logger } from '@voiceagent/telemetry';
import type { CallLeg, CallLegEvents, CallParties, TransferOutcome } from '../../ports/call-leg';
import { TransferTargetError, referTarget } from './sip-addressing';

/** How long a blind transfer may take to report its outcome through NOTIFYs. */
const TRANSFER_TIMEOUT_MS = 30_000;

const endReasons: Partial<Record<DialogEndReason, [EndReason, string]>> = {
  'remote-bye': [EndReason.END_REASON_CALLER_HANGUP, 'caller hung up (BYE)'],
  'no-ack': [EndReason.END_REASON_TIMEOUT, 'no ACK for our 200 OK'],
  'request-failed': [EndReason.END_REASON_ERROR, 'in-dialog request failed'],
  shutdown: [EndReason.END_REASON_ERROR, 'SIP stack shut down'],
};

/** An answered SIP call: its dialog for signalling and its RTP session for audio. */
export class SipCallLeg implements CallLeg {
  private media: NegotiatedAudio;

  constructor(
    readonly parties: CallParties,
    private readonly dialog: Dialog,
    private readonly rtp: RtpSession,
    negotiated: NegotiatedAudio,
    private readonly localAddress: string,
    private readonly logger: Logger,
  ) {
    this.media = negotiated;
    // Re-INVITEs (hold, resume, a moved endpoint) keep our codec and RTP port.
    dialog.onReinvite((offer) => {
      if (!offer) return this.media.sdp;
      try {
        const next = negotiateAnswer(offer, { localAddress, localPort: rtp.localPort, codecs: [this.media.codec.name], previous: this.media });
        this.media = next;
        rtp.updateRemote(next.remote.address, next.remote.port);
        rtp.hold(next.hold);
        logger.info({ sipCallId: dialog.callId, hold: next.hold, remote: next.remote }, 're-INVITE applied');
        return next.sdp;
      } catch (err) {
        logger.warn({ err, sipCallId: dialog.callId }, 're-INVITE refused');
        return { reject: 488 };
      }
    });
  }

  listen(events: CallLegEvents): void {
    this.rtp.listen({
      onAudio: (frame) => events.onAudio(frame),
      onDtmf: (event) => events.onDtmf(event.digit, event.durationMs),
      onError: (err) => this.logger.debug({ err, sipCallId: this.dialog.callId }, 'RTP error'),
    });
    this.dialog.onInfo((contentType, body) => {
      const relay = contentType?.toLowerCase().startsWith('application/dtmf-relay') ? parseDtmfRelay(body) : undefined;
      if (relay) events.onDtmf(relay.signal, relay.durationMs ?? 160);
    });
    // Endings we cause (local BYE) are reported by the caller of hangup().
    this.dialog.onTerminated((reason) => {
      const ending = endReasons[reason];
      if (ending) events.onEnded(...ending);
    });
  }

  play(pcm: Uint8Array, onSent?: (sent: boolean) => void): void {
    this.rtp.play(pcm, onSent);
  }

  flush(): number {
    return this.rtp.flush();
  }

  isPlaying(): boolean {
    return this.rtp.isPlaying();
  }

  sendDtmf(digits: string): void {
    if (this.media.telephoneEventPayloadType !== undefined) {
      this.rtp.sendDtmf(digits);
      return;
    }
    void (async () => {
      for (const digit of digits) await this.dialog.sendDtmf(digit, 160);
    })().catch((err: unknown) => this.logger.warn({ err, sipCallId: this.dialog.callId }, 'DTMF by SIP INFO failed'));
  }

  async hangup(): Promise<void> {
    if (this.dialog.state === 'confirmed') await this.dialog.bye();
  }

  async transfer(target: string): Promise<TransferOutcome> {
    let uri: string;
    try {
      uri = referTarget(target, this.dialog.remote.address);
    } catch (err) {
      if (err instanceof TransferTargetError) return { success: false, sipStatus: 0, detail: err.message };
      throw err;
    }
    const refer = await this.dialog.refer(uri);
    if (!refer.accepted) return { success: false, sipStatus: refer.status, detail: `REFER refused: ${refer.status} ${refer.reason}` };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<TransferOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ success: false, sipStatus: 0, detail: `no final NOTIFY within ${TRANSFER_TIMEOUT_MS} ms` }), TRANSFER_TIMEOUT_MS);
    });
    const result = refer.result.then(({ status, reason, endedBy }) => ({
      success: status >= 200 && status < 300,
      sipStatus: status,
      detail: `${status} ${reason} (${endedBy})`,
    }));
    try {
      return await Promise.race([result, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  release(): void {
    void this.rtp.close();
    // A call torn down on our side without a BYE (service stopping) still ends the dialog.
    if (this.dialog.state === 'confirmed') void this.dialog.bye().catch(() => undefined);
  }

  /** For logs and health: where the audio goes. */
  describe(): Record<string, unknown> {
    return { sipCallId: this.dialog.callId, codec: this.media.codec.name, rtpPort: this.rtp.localPort, remote: this.media.remote, localAddress: this.localAddress };
  }
}
