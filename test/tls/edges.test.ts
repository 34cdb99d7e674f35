/**
 * The edges of a TLS attempt that a real server does not produce on demand: a peer that accepts
 * TCP and then says nothing (the handshake never completes), and a close() in the middle of it.
 * A silent loopback listener stands in for the hung server.
 */
import { type Server, type Socket, createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConnectionLossError } from '../../src/index.js'
import { RecordingLogger, rejection, useClients } from './helpers.js'

const client = useClients()
let silent: Server
let address: string
const sockets = new Set<Socket>()

beforeAll(async () => {
  silent = createServer((s) => {
    sockets.add(s)
    s.resume() // read (and drop) the ClientHello, so the client's close is seen
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  address = `127.0.0.1:${(silent.address() as { port: number }).port}`
})
afterAll(async () => {
  for (const s of sockets) s.destroy()
  await new Promise((resolve) => silent.close(resolve))
})

describe('TLS attempt edges', () => {
  it('a handshake that never completes is bounded by the connect timeout, logged, and retried', async () => {
    const logger = new RecordingLogger()
    const started = Date.now()
    const zk = client(address, { tls: true, connectTimeout: 300, logger })
    const line = await logger.next(/connection attempt failed: could not connect to .* within 300 ms/, 5_000)
    expect(line.at - started).toBeGreaterThanOrEqual(250)
    expect(line.at - started).toBeLessThan(3_000)
    const error = await rejection(zk.connected({ timeout: 50 }))
    expect(error).toBeInstanceOf(ConnectionLossError)
    expect(error.message).toMatch(/last attempt: could not connect/)
  })

  it('close() during the handshake resolves at once and leaves no connection behind', async () => {
    const zk = client(address, { tls: { rejectUnauthorized: true }, connectTimeout: 10_000 })
    await new Promise<void>((resolve) => {
      const check = (): void => (sockets.size > 0 ? resolve() : void setImmediate(check))
      check()
    })
    const started = Date.now()
    await zk.close()
    expect(Date.now() - started).toBeLessThan(1_000)
    expect(zk.state).toBe('closed')
    await new Promise<void>((resolve) => {
      const check = (): void => (sockets.size === 0 ? resolve() : void setImmediate(check))
      check()
    })
  })
})
