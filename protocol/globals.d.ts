/**
 * protocol/ compiles without DOM or Node types on purpose. These two globals exist in every
 * runtime it runs in (Chrome, Node ≥ 11), so they are declared here, narrowly.
 */
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}

declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: Uint8Array): string;
}
