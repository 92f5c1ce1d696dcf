// Public surface of the SIP/SDP/RTP library; each part keeps its own barrel.
export * from './signalling';
export * from './rtp';
