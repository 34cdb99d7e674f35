/**
 * The protocol layer of zkwire: bytes in, bytes out, no sockets and no timers.
 *
 * Jute primitives ({@link Writer}, {@link Reader}), the frame decoder, the numeric constants,
 * and one typed codec per record (`<Name>Codec`, named after the Jute record `<Name>`).
 */
export type { Codec } from './codec.js'
export * from './connect.js'
export * from './constants.js'
export * from './framer.js'
export * from './multi.js'
export * from './reader.js'
export * from './records.js'
export * from './requests.js'
export * from './responses.js'
export * from './writer.js'
