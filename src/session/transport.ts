/**
 * How the session opens a connection. Injectable, so tests can route it through a fault proxy
 * or a scripted server.
 */
import { type Socket, connect } from 'node:net'
import type { HostAddress } from './hosts.js'

/** Opens a TCP connection to a server; the session listens for `connect`, `data`, `error`, `close`. */
export type Transport = (address: HostAddress) => Socket

/** Plain TCP via `node:net`. */
export const openSocket: Transport = ({ host, port }) => connect({ host, port })
