import { connect, createServer, type Server, type Socket } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { FaultProxy, fourLetterWord, TestingServer, waitFor } from '../../src/testing/index.js'

function hostPort(address: string): [string, number] {
  const [host, port] = address.split(':') as [string, string]
  return [host, Number(port)]
}

function ruok(proxy: FaultProxy, timeoutMs = 2_000): Promise<string> {
  const [host, port] = hostPort(proxy.address)
  return fourLetterWord(host, port, 'ruok', { timeoutMs })
}

/** Opens a client socket through the proxy; resolves once the proxy has accepted it. */
async function open(proxy: FaultProxy): Promise<Socket> {
  const accepted = proxy.nextConnection()
  const [host, port] = hostPort(proxy.address)
  const socket = connect({ host, port })
  socket.on('error', () => {})
  await accepted
  return socket
}

/** Whether `promise` settles within `ms`: a bounded window for asserting that nothing happens. */
function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const window = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, ms, false)))
  return Promise.race([promise.then(() => true, () => true), window]).finally(() => clearTimeout(timer))
}

/** Resolves with everything read until the socket ends, and how it ended. */
function readAll(socket: Socket): Promise<{ data: string; error: string | null }> {
  return new Promise((resolve) => {
    let data = ''
    let error: string | null = null
    socket.on('data', (c: Buffer) => (data += c.toString()))
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message))
    socket.on('close', () => resolve({ data, error }))
  })
}

describe('FaultProxy in front of a real server', () => {
  let server: TestingServer
  let proxy: FaultProxy
  beforeAll(async () => {
    server = await TestingServer.start()
  })
  afterAll(async () => {
    await server?.close()
  })
  afterEach(async () => {
    await proxy?.close()
  })

  it('forwards bytes both ways', async () => {
    proxy = await FaultProxy.start({ upstream: server.connectString })
    expect(proxy.address).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(await ruok(proxy)).toBe('imok')
    const [host, port] = hostPort(proxy.address)
    expect(await fourLetterWord(host, port, 'srvr')).toMatch(/Mode: standalone/)
    expect(proxy.acceptedCount).toBe(2)
    await waitFor(() => proxy.connectionCount === 0, { timeoutMs: 2_000, description: 'connections to close' })
  })

  it('cut() resets the client socket and lets the next connection through', async () => {
    proxy = await FaultProxy.start({ upstream: server.connectString })
    const socket = await open(proxy)
    expect(proxy.connectionCount).toBe(1)
    const ended = readAll(socket)
    proxy.cut()
    expect((await ended).error).toBe('ECONNRESET')
    await waitFor(() => proxy.connectionCount === 0, { timeoutMs: 2_000, description: 'the link to close' })
    expect(await ruok(proxy)).toBe('imok')
  })

  it('blackhole() silences new and open connections; restore() delivers what was held', async () => {
    proxy = await FaultProxy.start({ upstream: server.connectString })
    const held = await open(proxy)
    proxy.blackhole()
    await expect(ruok(proxy, 300)).rejects.toMatchObject({ code: 'TIMEOUT' })
    const reply = readAll(held)
    held.write('ruok')
    expect(await settlesWithin(reply, 300)).toBe(false)
    proxy.restore()
    expect(await reply).toEqual({ data: 'imok', error: null })
    expect(await ruok(proxy)).toBe('imok')
  })

  it('refuse() resets new connections until turned off', async () => {
    proxy = await FaultProxy.start({ upstream: server.connectString })
    proxy.refuse(true)
    await expect(ruok(proxy)).rejects.toMatchObject({ code: 'CONNECT' })
    expect(proxy.acceptedCount).toBe(0)
    proxy.refuse(false)
    expect(await ruok(proxy)).toBe('imok')
  })

  it('delay() adds latency each way', async () => {
    proxy = await FaultProxy.start({ upstream: server.connectString })
    await ruok(proxy) // warm up
    proxy.delay(150)
    const started = performance.now()
    expect(await ruok(proxy)).toBe('imok')
    const delayed = performance.now() - started
    expect(delayed).toBeGreaterThanOrEqual(300)
    proxy.restore()
    const fast = performance.now()
    expect(await ruok(proxy)).toBe('imok')
    expect(performance.now() - fast).toBeLessThan(delayed)
  })

  it('resets the client when the upstream is down', async () => {
    await server.stop()
    try {
      proxy = await FaultProxy.start({ upstream: server.connectString })
      await expect(ruok(proxy)).rejects.toMatchObject({ code: 'CONNECT' })
    } finally {
      await server.restart()
    }
  })
})

describe('FaultProxy ordering', () => {
  let echo: Server
  let proxy: FaultProxy
  beforeAll(async () => {
    echo = createServer((s) => s.pipe(s))
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve))
  })
  afterAll(async () => {
    await proxy?.close()
    await new Promise((resolve) => echo.close(resolve))
  })

  it('keeps byte order while the delay changes mid-stream', async () => {
    proxy = await FaultProxy.start({ upstream: `127.0.0.1:${(echo.address() as { port: number }).port}` })
    const socket = await open(proxy)
    const got = readAll(socket)
    let sent = ''
    for (let i = 0; i < 200; i++) {
      if (i === 50) proxy.delay(40)
      if (i === 120) proxy.delay(0)
      const piece = `${i},`
      sent += piece
      socket.write(piece)
      if (i % 10 === 0) await new Promise((r) => setImmediate(r))
    }
    socket.end()
    expect((await got).data).toBe(sent)
  })

  it('nextConnection() resolves on the next accept and rejects on close', async () => {
    proxy = await FaultProxy.start({ upstream: ['127.0.0.1:1', `127.0.0.1:${(echo.address() as { port: number }).port}`] })
    const first = proxy.nextConnection()
    const socket = connect({ host: '127.0.0.1', port: proxy.port })
    socket.on('error', () => {})
    expect(await first).toMatchObject({ id: 1, upstream: '127.0.0.1:1', clientPort: socket.localPort })
    const never = proxy.nextConnection({ timeoutMs: 5_000 })
    await proxy.close()
    await expect(never).rejects.toThrow(/closed/)
  })
})
