import { credentials as grpcCredentials, status, type ChannelCredentials, type ChannelOptions, type ServiceError } from '@grpc/grpc-js';
import { escalation } from '@voiceagent/contracts';
import { RpcError } from './errors';
import { unaryCall, type CallOptions, type Invoke } from './unary';

export interface EscalationClientOptions {
  /** Deadline of each call unless the call sets its own (default 5 s; voicemail uploads may need more). */
  readonly timeoutMs?: number;
  /** Default: plaintext (inside the cluster). */
  readonly credentials?: ChannelCredentials;
  readonly channelOptions?: ChannelOptions;
}

export type HandoffInput = Partial<escalation.CreateHandoffRequest> & Pick<escalation.CreateHandoffRequest, 'callId' | 'reason' | 'summary'>;
export type VoicemailInput = Partial<escalation.StoreVoicemailRequest> & Pick<escalation.StoreVoicemailRequest, 'callId' | 'pcm' | 'sampleRateHz'>;

/**
 * EscalationService with promises and deadlines; failures are RpcError with the gRPC code
 * (INVALID_ARGUMENT carries the reason, "field: why", as its message).
 */
export interface EscalationClient {
  /** The target is the knowledge file's choice for the reason unless `targetName` names one. */
  createHandoff(input: HandoffInput, options?: CallOptions): Promise<escalation.Handoff>;
  /** Newest first; an empty caller number lists everyone's. */
  listHandoffs(query?: { callerNumber?: string; limit?: number }, options?: CallOptions): Promise<escalation.Handoff[]>;
  storeVoicemail(input: VoicemailInput, options?: CallOptions): Promise<escalation.Voicemail>;
  listVoicemails(query?: { callerNumber?: string; limit?: number }, options?: CallOptions): Promise<escalation.Voicemail[]>;
  /** Closes the channel; calls in flight fail with CANCELLED. */
  close(): void;
}

const DEFAULT_TIMEOUT_MS = 5_000;

/** A client of EscalationService at `address` (host:port, e.g. ESCALATION_ADDRESS). Connects lazily. */
export function escalationClient(address: string, options: EscalationClientOptions = {}): EscalationClient {
  const client = new escalation.EscalationServiceClient(address, options.credentials ?? grpcCredentials.createInsecure(), options.channelOptions);
  const defaultTimeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  const toError = (error: ServiceError) => new RpcError(error.details || error.message, error.code, { cause: error });
  const unary = <Req, Res>(invoke: Invoke<Req, Res>, request: Req, call?: CallOptions) => unaryCall(invoke, request, defaultTimeout, toError, call);

  const required = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new RpcError(`the response has no ${what}`, status.INTERNAL);
    return value;
  };

  return {
    async createHandoff(input, call) {
      const request: escalation.CreateHandoffRequest = { callerNumber: '', transcript: [], targetName: '', ...input };
      const response = await unary<escalation.CreateHandoffRequest, escalation.CreateHandoffResponse>(
        (req, md, opts, cb) => client.createHandoff(req, md, opts, cb),
        request,
        call,
      );
      return required(response.handoff, 'handoff');
    },
    async listHandoffs(query = {}, call) {
      const response = await unary<escalation.ListHandoffsRequest, escalation.ListHandoffsResponse>(
        (req, md, opts, cb) => client.listHandoffs(req, md, opts, cb),
        { callerNumber: query.callerNumber ?? '', limit: query.limit ?? 0 },
        call,
      );
      return response.handoffs;
    },
    async storeVoicemail(input, call) {
      const request: escalation.StoreVoicemailRequest = { callerNumber: '', transcript: '', ...input };
      const response = await unary<escalation.StoreVoicemailRequest, escalation.StoreVoicemailResponse>(
        (req, md, opts, cb) => client.storeVoicemail(req, md, opts, cb),
        request,
        call,
      );
      return required(response.voicemail, 'voicemail');
    },
    async listVoicemails(query = {}, call) {
      const response = await unary<escalation.ListVoicemailsRequest, escalation.ListVoicemailsResponse>(
        (req, md, opts, cb) => client.listVoicemails(req, md, opts, cb),
        { callerNumber: query.callerNumber ?? '', limit: query.limit ?? 0 },
        call,
      );
      return response.voicemails;
    },
    close() {
      client.close();
    },
  };
}
