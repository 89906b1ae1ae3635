/** The data-channel piece codec lives in protocol/ so the browser side speaks the same one. */
export { PIECE_CHARS, Reassembler, toPieces, type Assembled } from '../../protocol/pieces.js';
