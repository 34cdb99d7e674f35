/**
 * Four-letter words from `zkwire`: every word against the real server, the typed helpers, and the
 * edges: an unknown word, a word outside the server's whitelist (a real server started with a
 * narrow `4lw.commands.whitelist`), a reply that is not ZooKeeper's, no server, a silent server,
 * an abort, and TLS through node:tls.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { type Server, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer as createTlsServer } from 'node:tls'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { FourLetterWordError, InvalidArgumentError, cons, fourLetterWord, isro, mntr, ruok, srvr } from '../../src/index.js'
import { type FourLetterWord, TestingServer, freePort } from '../../src/testing/index.js'
import * as testing from '../../src/testing/index.js'
import { chrootClient, sharedServer } from '../support/zk.js'

const ALL: FourLetterWord[] = ['conf', 'cons', 'crst', 'dirs', 'dump', 'envi', 'gtmk', 'hash', 'isro', 'mntr', 'ruok', 'srst', 'srvr', 'stat', 'wchc', 'wchp', 'wchs']

const closers: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

/** A loopback TCP server that answers every connection with `reply` (or stays silent). */
async function scripted(reply: string | null): Promise<string> {
  const sockets = new Set<import('node:net').Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    if (reply !== null) socket.once('data', () => socket.end(reply))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(() => {
    for (const s of sockets) s.destroy()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return `127.0.0.1:${(server.address() as { port: number }).port}`
}

describe('four-letter words against the real server', () => {
  it.each(ALL)('%s resolves with ZooKeeper\'s answer', async (word) => {
    const text = await fourLetterWord(sharedServer(), word)
    expect(typeof text).toBe('string')
  })

  it('typed helpers: ruok, srvr, mntr, isro, cons', async () => {
    const { client } = await chrootClient()
    expect(await ruok(sharedServer())).toBe(true)
    const stats = await srvr(sharedServer())
    expect(stats).toMatchObject({ serving: true, mode: 'standalone', version: expect.stringMatching(/^3\.\d+\.\d+/) })
    if (stats.serving) expect(stats.nodeCount).toBeGreaterThan(0)
    expect((await mntr(sharedServer())).zk_server_state).toBe('standalone')
    expect(await isro(sharedServer())).toBe('rw')
    const connections = await cons(sharedServer())
    expect(connections.some((c) => c.sessionId === client.sessionId)).toBe(true)
  })

  it('zkwire/testing keeps its (host, port, word) form and the same error class', async () => {
    const [host, port] = sharedServer().split(':') as [string, string]
    expect(await testing.fourLetterWord(host, Number(port), 'ruok')).toBe('imok')
    expect(testing.FourLetterWordError).toBe(FourLetterWordError)
    expect(testing.srvr).toBe(srvr)
  })
})

describe('four-letter word edges', () => {
  it('an unknown word and bad options reject with InvalidArgumentError before connecting', async () => {
    await expect(fourLetterWord(sharedServer(), 'kill' as FourLetterWord)).rejects.toThrow(InvalidArgumentError)
    await expect(fourLetterWord(sharedServer(), 'kill' as FourLetterWord)).rejects.toThrow('the string "kill" is not a ZooKeeper four-letter word')
    await expect(fourLetterWord(sharedServer(), 'RUOK' as FourLetterWord)).rejects.toThrow(InvalidArgumentError)
    await expect(fourLetterWord(sharedServer(), 'ruok', { timeoutMs: 5 } as never)).rejects.toThrow('use { timeout }')
    await expect(fourLetterWord(sharedServer(), 'ruok', { tls: 'yes' } as never)).rejects.toThrow('tls must be true or node:tls connection options')
    await expect(fourLetterWord('a:1,b:2', 'ruok')).rejects.toThrow('must name one server')
    await expect(fourLetterWord(2181 as never, 'ruok')).rejects.toThrow('hostPort must be a string')
  })

  it('a reply that is not ZooKeeper\'s rejects with NOT_ZOOKEEPER, for each typed helper', async () => {
    const http = await scripted('HTTP/1.1 400 Bad Request\r\n\r\n')
    for (const call of [() => ruok(http), () => srvr(http), () => mntr(http), () => isro(http), () => cons(http)]) {
      const error = await call().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(FourLetterWordError)
      expect(error).toMatchObject({ code: 'NOT_ZOOKEEPER', server: http, reply: expect.stringContaining('HTTP/1.1') })
    }
    const binary = await scripted('\u0000\u0000\u0000\u0010imok')
    await expect(ruok(binary)).rejects.toMatchObject({ code: 'NOT_ZOOKEEPER' })
  })

  it('no server: CONNECT; a silent server: TIMEOUT; an abort: ABORTED', async () => {
    const port = await freePort()
    await expect(ruok(`127.0.0.1:${port}`)).rejects.toMatchObject({ code: 'CONNECT', name: 'FourLetterWordError' })
    const silent = await scripted(null)
    const started = Date.now()
    await expect(ruok(silent, { timeout: 200 })).rejects.toMatchObject({ code: 'TIMEOUT' })
    expect(Date.now() - started).toBeLessThan(2_000)
    const controller = new AbortController()
    const pending = ruok(silent, { signal: controller.signal })
    controller.abort(new Error('stop'))
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' })
    await expect(ruok(silent, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' })
  })
})

describe('a word outside the server\'s whitelist', () => {
  let server: TestingServer
  beforeAll(async () => {
    // TestingServer waits with ruok and srvr, so those two stay allowed.
    server = await TestingServer.start({ config: { '4lw.commands.whitelist': 'ruok,srvr' } })
  })
  afterAll(async () => {
    await server?.close()
  })

  it('rejects with NOT_WHITELISTED, naming the setting; allowed words still work', async () => {
    const error = await mntr(server.connectString).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FourLetterWordError)
    expect(error).toMatchObject({ code: 'NOT_WHITELISTED', word: 'mntr' })
    expect((error as Error).message).toContain('4lw.commands.whitelist')
    await expect(cons(server.connectString)).rejects.toMatchObject({ code: 'NOT_WHITELISTED' })
    expect(await ruok(server.connectString)).toBe(true)
  })
})

describe('four-letter words over TLS (node:tls)', () => {
  let dir: string
  let key: Buffer
  let cert: Buffer
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'zkwire-4lw-tls-'))
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' })
    key = readFileSync(join(dir, 'key.pem'))
    cert = readFileSync(join(dir, 'cert.pem'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('speaks TLS with { tls: { ca } }, and fails with CONNECT on an untrusted certificate', async () => {
    // A scripted TLS peer answering as ZooKeeper does on a secureClientPort: the real server over
    // TLS needs certificates in Java stores, which the TLS suites set up.
    const words: string[] = []
    const server = createTlsServer({ key, cert }, (socket) => {
      socket.on('error', () => {})
      socket.once('data', (d) => {
        words.push(d.toString())
        socket.end('imok')
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const hostPort = `127.0.0.1:${(server.address() as { port: number }).port}`
    expect(await ruok(hostPort, { tls: { ca: cert } })).toBe(true)
    expect(words).toEqual(['ruok'])
    await expect(ruok(hostPort, { tls: true })).rejects.toMatchObject({ code: 'CONNECT', cause: expect.objectContaining({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }) })
    // Plain TCP to a TLS port gets no ZooKeeper answer.
    await expect(ruok(hostPort, { timeout: 500 })).rejects.toBeInstanceOf(FourLetterWordError)
  })
})
