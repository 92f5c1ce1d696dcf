import { readFile, writeFile } from 'node:fs/promises';

/** One RTP packet of a capture, as sipp's play_pcap_audio will send it. */
export interface CapturedRtp {
  /** Capture time in microseconds; sipp paces the play by these. */
  readonly timeUs: number;
  readonly payloadType: number;
  readonly marker: boolean;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly payload: Uint8Array;
}

const LINKTYPE_ETHERNET = 1;
const ETHERNET_BYTES = 14;
const IPV4_BYTES = 20;
const UDP_BYTES = 8;
const RTP_HEADER_BYTES = 12;

/**
 * Reads the RTP packets of a classic libpcap file of Ethernet/IPv4/UDP
 * frames (what Debian's sip-tester ships); anything else is refused, so a
 * changed fixture fails loudly rather than being misread.
 */
export async function readRtpPcap(path: string): Promise<CapturedRtp[]> {
  const file = await readFile(path);
  const magic = file.readUInt32LE(0);
  const little = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!little && file.readUInt32BE(0) !== 0xa1b2c3d4 && file.readUInt32BE(0) !== 0xa1b23c4d) throw new Error(`${path}: not a libpcap file`);
  const nanos = (little ? magic : file.readUInt32BE(0)) === 0xa1b23c4d;
  const u32 = (at: number) => (little ? file.readUInt32LE(at) : file.readUInt32BE(at));
  if (u32(20) !== LINKTYPE_ETHERNET) throw new Error(`${path}: link type ${u32(20)}, expected Ethernet`);
  const packets: CapturedRtp[] = [];
  for (let at = 24; at + 16 <= file.length; ) {
    const timeUs = u32(at) * 1e6 + (nanos ? Math.floor(u32(at + 4) / 1000) : u32(at + 4));
    const length = u32(at + 8);
    const frame = file.subarray(at + 16, at + 16 + length);
    at += 16 + length;
    if (frame.readUInt16BE(12) !== 0x0800) continue;
    const ipHeader = (frame.readUInt8(ETHERNET_BYTES) & 0x0f) * 4;
    if (frame.readUInt8(ETHERNET_BYTES + 9) !== 17) continue;
    const udp = ETHERNET_BYTES + ipHeader;
    const rtp = frame.subarray(udp + UDP_BYTES, udp + frame.readUInt16BE(udp + 4));
    if (rtp.length < RTP_HEADER_BYTES || rtp.readUInt8(0) >> 6 !== 2) continue;
    const headerBytes = RTP_HEADER_BYTES + (rtp.readUInt8(0) & 0x0f) * 4;
    packets.push({
      timeUs,
      payloadType: rtp.readUInt8(1) & 0x7f,
      marker: (rtp.readUInt8(1) & 0x80) !== 0,
      sequenceNumber: rtp.readUInt16BE(2),
      timestamp: rtp.readUInt32BE(4),
      ssrc: rtp.readUInt32BE(8),
      payload: rtp.subarray(headerBytes),
    });
  }
  return packets;
}

/** Writes RTP packets as a libpcap file of Ethernet/IPv4/UDP frames that sipp can play (ports are rewritten by sipp). */
export async function writeRtpPcap(path: string, packets: readonly CapturedRtp[]): Promise<void> {
  const chunks: Buffer[] = [];
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(LINKTYPE_ETHERNET, 20);
  chunks.push(header);
  for (const packet of packets) {
    const udpLength = UDP_BYTES + RTP_HEADER_BYTES + packet.payload.length;
    const frame = Buffer.alloc(ETHERNET_BYTES + IPV4_BYTES + udpLength);
    frame.writeUInt16BE(0x0800, 12);
    const ip = ETHERNET_BYTES;
    frame[ip] = 0x45;
    frame.writeUInt16BE(IPV4_BYTES + udpLength, ip + 2);
    frame[ip + 8] = 64;
    frame[ip + 9] = 17;
    frame.writeUInt32BE(0x7f000001, ip + 12);
    frame.writeUInt32BE(0x7f000001, ip + 16);
    const udp = ip + IPV4_BYTES;
    frame.writeUInt16BE(10000, udp);
    frame.writeUInt16BE(10000, udp + 2);
    frame.writeUInt16BE(udpLength, udp + 4);
    const rtp = udp + UDP_BYTES;
    frame[rtp] = 0x80;
    frame[rtp + 1] = (packet.marker ? 0x80 : 0) | packet.payloadType;
    frame.writeUInt16BE(packet.sequenceNumber & 0xffff, rtp + 2);
    frame.writeUInt32BE(packet.timestamp >>> 0, rtp + 4);
    frame.writeUInt32BE(packet.ssrc >>> 0, rtp + 8);
    frame.set(packet.payload, rtp + RTP_HEADER_BYTES);
    const record = Buffer.alloc(16);
    record.writeUInt32LE(Math.floor(packet.timeUs / 1e6), 0);
    record.writeUInt32LE(Math.round(packet.timeUs % 1e6), 4);
    record.writeUInt32LE(frame.length, 8);
    record.writeUInt32LE(frame.length, 12);
    chunks.push(record, frame);
  }
  await writeFile(path, Buffer.concat(chunks));
}

/**
 * The same single-stream G.711 audio cut into packets of `samplesPerPacket`
 * samples (one byte each), with times, sequence numbers and timestamps that
 * follow: e.g. sipp's 30 ms capture as the 20 ms packets most trunks send.
 */
export function repacketize(packets: readonly CapturedRtp[], samplesPerPacket: number): CapturedRtp[] {
  const first = packets[0];
  if (!first) return [];
  packets.forEach((packet, i) => {
    const previous = packets[i - 1];
    if (packet.ssrc !== first.ssrc || packet.payloadType !== first.payloadType) throw new Error('repacketize takes a single audio stream');
    if (previous && packet.timestamp !== ((previous.timestamp + previous.payload.length) >>> 0)) throw new Error(`audio gap before packet ${i}: nothing to fill it with`);
  });
  const audio = Buffer.concat(packets.map((p) => p.payload));
  const out: CapturedRtp[] = [];
  for (let i = 0; (i + 1) * samplesPerPacket <= audio.length; i++) {
    out.push({
      timeUs: first.timeUs + Math.round((i * samplesPerPacket * 1e6) / 8000),
      payloadType: first.payloadType,
      marker: i === 0,
      sequenceNumber: (first.sequenceNumber + i) & 0xffff,
      timestamp: (first.timestamp + i * samplesPerPacket) >>> 0,
      ssrc: first.ssrc,
      payload: audio.subarray(i * samplesPerPacket, (i + 1) * samplesPerPacket),
    });
  }
  return out;
}
