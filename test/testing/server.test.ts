import { existsSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findZooKeeper, fourLetterWord, freePort, parseMntr, TestingServer, TestingServerError } from '../../src/testing/index.js'
import { isAlive } from './helpers/process.js'

describe('TestingServer', () => {
  let server: TestingServer
  beforeAll(async () => {
    server = await TestingServer.start()
  })
  afterAll(async () => {
    await server?.close()
  })

  it('serves on loopback and answers four-letter words', async () => {
    expect(server.connectString).toBe(`127.0.0.1:${server.port}`)
    expect(server.state).toBe('running')
    expect(await fourLetterWord('127.0.0.1', server.port, 'ruok')).toBe('imok')
    expect(await server.mode()).toBe('standalone')
    expect(parseMntr(await server.fourLetterWord('mntr')).zk_server_state).toBe('standalone')
    const conf = await server.fourLetterWord('conf')
    expect(conf).toMatch(/tickTime=500/)
    expect(conf).toMatch(/maxClientCnxns=0/)
    // Bound to loopback only, and the server's own log goes to its file.
    expect(readFileSync(server.logFile, 'utf8')).toContain(`binding to port /127.0.0.1:${server.port}`)
  })

  it('pause() freezes the server and resume() brings it back', async () => {
    await server.pause()
    expect(server.state).toBe('paused')
    await expect(server.fourLetterWord('srvr', { timeoutMs: 300 })).rejects.toMatchObject({ code: 'TIMEOUT' })
    await server.resume()
    expect(server.state).toBe('running')
    expect(await server.mode()).toBe('standalone')
  })

  it('restart() comes back on the same port with the same data dir', async () => {
    const { pid, port } = server
    await server.restart()
    expect(server.pid).not.toBe(pid)
    expect(server.port).toBe(port)
    expect(await server.mode()).toBe('standalone')
    expect(existsSync(join(server.dataDir, 'version-2'))).toBe(true)
  })

  it('kill() is a kill -9: the process is gone and the port refuses', async () => {
    const pid = server.pid as number
    await server.kill()
    expect(server.state).toBe('stopped')
    expect(server.pid).toBeNull()
    expect(isAlive(pid)).toBe(false)
    await expect(server.fourLetterWord('ruok', { timeoutMs: 1_000 })).rejects.toMatchObject({ code: 'CONNECT' })
    await server.restart()
    expect(await server.fourLetterWord('ruok')).toBe('imok')
  })

  it('stop() ends the JVM gracefully, and close() removes the directory', async () => {
    const pid = server.pid as number
    await server.stop()
    expect(isAlive(pid)).toBe(false)
    await server.close()
    expect(existsSync(server.dir)).toBe(false)
    await expect(server.restart()).rejects.toThrow(/closed/)
  })
})

describe('TestingServer start failures', () => {
  it('reports a JVM that exits, with the tail of its log', async () => {
    const err = await TestingServer.start({ config: { tickTime: 'not-a-number' } }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TestingServerError)
    expect(err).toMatchObject({ code: 'EXITED' })
    expect((err as TestingServerError).logTail).toMatch(/not-a-number|NumberFormatException|Invalid config/)
    expect((err as Error).message).toContain('server log (tail)')
  })

  it('reports a fixed port that is taken', async () => {
    const port = await freePort()
    const squatter: Server = createServer()
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve))
    try {
      await expect(TestingServer.start({ port })).rejects.toMatchObject({ code: 'PORT_IN_USE' })
    } finally {
      squatter.close()
    }
  })

  it('reports a missing java executable', async () => {
    const install = { ...findZooKeeper(), java: '/nonexistent/bin/java' }
    await expect(TestingServer.start({ install })).rejects.toMatchObject({ code: 'JAVA_NOT_FOUND' })
  })
})
