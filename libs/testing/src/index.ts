// Harnesses with no dependency on the project's own libs, so any lib's tests can use them.
export { NatsServer, type NatsServerOptions } from './nats-server';
export { freePort, waitForPort } from './ports';
export { eventually } from './eventually';
export { PostgresServer, postgresBinDir, type PostgresServerOptions } from './postgres-server';
export { AwsEventStreamServer, type AwsEventStreamHandler, type AwsEventStreamRequest, type AwsInputEvent } from './aws-event-stream-server';
export { TranscribeServer, transcriptEvent, type TranscribeServerOptions, type TranscribeSession, type TranscribeStep, type TranscribeResultScript, type TranscribeWord, type TranscribeRefusal } from './transcribe-server';
export { AwsJsonServer, AwsServiceError, TEST_AWS_CREDENTIALS, TEST_AWS_REGION, type AwsFailure, type AwsOperation, type AwsRequestRecord } from './aws-json-server';
export { BedrockEmbeddingsServer, TITAN_EMBED_TEXT_V2, hashedEmbedding, contentWords } from './bedrock-embeddings-server';
export { S3VectorsServer, type S3VectorsServerOptions } from './s3-vectors-server';
export { BedrockServer, bedrockEvents, splitText, type BedrockRequest, type BedrockReply, type BedrockStreamStep, type BedrockHttpError } from './bedrock-server';
export { PollyServer, pollyTone, pollyToneSamples, type PollyFault, type PollyRequest, type PollyServerOptions } from './polly-server';
export { DeepgramSpeakServer, DeepgramSpeakConnection, DEEPGRAM_FLUSH_LIMIT_WARNING, DEEPGRAM_SPEAK_MAX_CHARS, deepgramSpeakAudio, deepgramSpeakSamples, type DeepgramSpeakFault, type DeepgramSpeakRequest, type DeepgramSpeakServerOptions } from './deepgram-speak-server';
export { DeepgramListenServer, DeepgramListenConnection, deepgramResults, deepgramSpeechStarted, deepgramUtteranceEnd, type DeepgramListenServerOptions, type DeepgramScriptStep, type DeepgramConnectionEnd, type DeepgramResultsOptions, type DeepgramWord } from './deepgram-listen-server';
