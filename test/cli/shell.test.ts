/**
 * The interactive shell driven through a real pseudo-terminal (tmux): the prompt with the
 * connection state, tab completion of commands, flags and znode paths, history kept between runs,
 * Ctrl-C, and the prompt through a server stop and restart.
 */
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { TestingServer } from '../../src/testing/index.js'
import { chrootClient } from '../support/zk.js'
import { Terminal } from './tmux.js'

const terminals: Terminal[] = []
afterEach(() => {
  for (const t of terminals.splice(0)) t.close()
})

async function shell(args: string[], historyFile?: string): Promise<Terminal> {
  const file = historyFile ?? join(await mkdtemp(join(tmpdir(), 'zkwire-hist-')), 'history')
  const t = Terminal.open(args, { ZKWIRE_HISTORY: file })
  terminals.push(t)
  return t
}

/** A prompt line: `[zk: <server>(<STATE>) <n>] `. */
const prompt = (state: string, n: number): RegExp => new RegExp(`\\[zk: [^\\]]*\\(${state}\\) ${n}\\] $`, 'm')

describe('the interactive shell', () => {
  it('shows the state and the command count in the prompt, and runs what is typed', async () => {
    const { client, connectString } = await chrootClient()
    await client.create('/alpha', 'one')
    const t = await shell(['-server', connectString])
    await t.until(prompt('CONNECTED', 0))
    t.type('get /alpha')
    t.keys('Enter')
    const screen = await t.until(prompt('CONNECTED', 1))
    expect(screen).toContain(`[zk: ${connectString}(CONNECTED) 0] get /alpha\none\n`)
    t.type('get /missing')
    t.keys('Enter')
    expect(await t.until(prompt('CONNECTED', 2))).toMatch(/NoNodeError: \/missing does not exist/)
    t.type('close')
    t.keys('Enter')
    await t.until(prompt('CLOSED', 3))
    t.type('quit')
    t.keys('Enter')
    await t.until(/\[exit 0\]/)
  })

  it('completes commands, flags and znode paths read from the server', async () => {
    const { client, connectString } = await chrootClient()
    await client.create('/alpha')
    await client.create('/alpha/beta1')
    await client.create('/alpha/beta2')
    await client.create('/omega')
    const t = await shell(['-server', connectString])
    await t.until(prompt('CONNECTED', 0))
    t.type('cre')
    t.keys('Tab')
    await t.until(/\) 0\] create $/m)
    t.type('/al')
    t.keys('Tab')
    await t.until(/\) 0\] create \/alpha$/m)
    t.type('/b')
    t.keys('Tab')
    await t.until(/\) 0\] create \/alpha\/beta$/m)
    // Two candidates: a second Tab lists them.
    t.keys('Tab')
    await t.until(/\/alpha\/beta1\s+\/alpha\/beta2/)
    t.keys('C-u')
    t.type('ls --js')
    t.keys('Tab')
    await t.until(/\) 0\] ls --json $/m)
    t.keys('C-u')
    t.type('getAl')
    t.keys('Tab')
    await t.until(/\) 0\] getAllChildrenNumber $/m)
  })

  it('keeps the history in a file between runs', async () => {
    const { client, connectString } = await chrootClient()
    await client.create('/kept')
    const file = join(await mkdtemp(join(tmpdir(), 'zkwire-hist-')), 'history')
    const first = await shell(['-server', connectString], file)
    await first.until(prompt('CONNECTED', 0))
    first.type('ls /kept')
    first.keys('Enter')
    await first.until(prompt('CONNECTED', 1))
    first.type('stat /kept')
    first.keys('Enter')
    await first.until(prompt('CONNECTED', 2))
    first.keys('C-d')
    await first.until(/\[exit 0\]/)
    expect(await readFile(file, 'utf8')).toBe('ls /kept\nstat /kept\n')

    const second = await shell(['-server', connectString], file)
    await second.until(prompt('CONNECTED', 0))
    second.keys('Up')
    await second.until(/\) 0\] stat \/kept$/m)
    second.keys('Up')
    await second.until(/\) 0\] ls \/kept$/m)
    second.keys('Enter')
    await second.until(prompt('CONNECTED', 1))
  })

  it('Ctrl-C cancels the running command (and clears a typed line) without leaving', async () => {
    const { client, connectString } = await chrootClient()
    await client.create('/w', 'x')
    const t = await shell(['-server', connectString])
    await t.until(prompt('CONNECTED', 0))
    t.type('watch /w')
    t.keys('Enter')
    await t.until(/Current \/w version=0: x/)
    t.keys('C-c')
    await t.until(/watch: cancelled\n.*\(CONNECTED\) 1\] $/m)
    t.type('half a line')
    t.keys('C-c')
    await t.until(/\^C\n.*\(CONNECTED\) 1\] $/m)
    t.type('get /w')
    t.keys('Enter')
    const screen = await t.until(prompt('CONNECTED', 2))
    expect(screen).toMatch(/get \/w\nx\n/)
  })

  describe('when the server goes away and comes back', () => {
    let server: TestingServer
    beforeAll(async () => {
      server = await TestingServer.start({ tickTime: 200, minSessionTimeout: 400 })
    })
    afterAll(async () => {
      await server?.close()
    })

    it('the prompt shows SUSPENDED, then LOST once the session is gone, then CONNECTED again', async () => {
      const t = await shell(['-server', server.connectString, '-timeout', '1500'])
      await t.until(prompt('CONNECTED', 0))
      await server.stop()
      await t.until(prompt('SUSPENDED', 0))
      await t.until(prompt('LOST', 0))
      await server.restart()
      await t.until(prompt('CONNECTED', 0), 30_000)
      t.type('ls /')
      t.keys('Enter')
      expect(await t.until(prompt('CONNECTED', 1))).toContain('[zookeeper]')
    })
  })
})
