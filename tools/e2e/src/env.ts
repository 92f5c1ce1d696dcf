import { join, resolve } from 'node:path';
import { freePort } from '@voiceagent/testing';
import { freeSipPort } from './ports';

export const repoRoot = resolve(import.meta.dirname, '../../..');
/** Where speech models are copied from (no downloads in tests). */
export const modelsMirror = process.env['VOICE_AGENT_MODELS_MIRROR'] || resolve(repoRoot, '../shared/models');

/**
 * Settings for a whole system on free loopback ports, with its database and
 * voicemail under `dataDir`, speech models in `modelsDir`, and the example
 * knowledge file; `to` is the agent's SIP address.
 */
export async function systemEnv(dataDir: string, modelsDir: string): Promise<{ env: Record<string, string>; to: string }> {
  const sipPort = await freeSipPort();
  const [bookingPort, escalationPort, httpPort] = [await freePort(), await freePort(), await freePort()];
  const env = {
    SIP_HOST: '127.0.0.1',
    SIP_PORT: String(sipPort),
    RTP_PORT_MIN: '37000',
    RTP_PORT_MAX: '37999',
    GRPC_HOST: '127.0.0.1',
    BOOKING_GRPC_PORT: String(bookingPort),
    BOOKING_ADDRESS: `127.0.0.1:${bookingPort}`,
    ESCALATION_GRPC_PORT: String(escalationPort),
    ESCALATION_ADDRESS: `127.0.0.1:${escalationPort}`,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: String(httpPort),
    DATA_DIR: dataDir,
    VOICEMAIL_DIR: join(dataDir, 'voicemail'),
    KNOWLEDGE_FILE: join(repoRoot, 'examples/knowledge.yaml'),
    VOICE_AGENT_MODELS: modelsDir,
    VOICE_AGENT_MODELS_MIRROR: modelsMirror,
  };
  return { env, to: `sip:agent@127.0.0.1:${sipPort}` };
}
