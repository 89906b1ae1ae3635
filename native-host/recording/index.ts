export { RecordingStore, type NewRecording, type RecordingStoreOptions } from './store.js';
export { Recorder, type KeyframeMaker, type KeyframeMakerFactory } from './recorder.js';
export {
  InputGuard,
  type EchoProbe,
  type EchoState,
  type InputGuardOptions,
  type InputSink,
} from './input-guard.js';
export { looksLikeSecretPrompt } from './secret-prompt.js';
export { Keyframer, type Keyframe } from './keyframer.js';
export * from './format.js';
export { scanRecording, readHeader } from './scan.js';
export { readNative, readAsciicast } from './reader.js';
