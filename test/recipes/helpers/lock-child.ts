// A separate Node process that contends for a recipe, for tests that kill (-9) or stop (SIGSTOP) a
// holder. Config: JSON in argv[2]. Reports JSON lines on stdout; commands on stdin.
//
// mode "mutex": loops acquire -> hold -> release. While holding it writes guarded log entries
// (begin, a tick every 100 ms, end) and keeps trying even after its signal aborts, as a holder that
// believes it still holds would: only the server's refusal (a fenced guard) makes it stop.
// Commands: "release" (end the current hold), "stats" (watch events so far), "close".
// mode "double-barrier": enters, reports "entered"; "leave" leaves and reports "left".
import { createInterface } from 'node:readline'
import { DoubleBarrier, type Lock, Mutex, createClient, isFencedError } from '../../../src/index.js'

interface Config {
  connect: string
  sessionTimeout: number
  id: string
  mode: 'mutex' | 'double-barrier'
  path: string
  logPath?: string
  memberCount?: number
}

const config = JSON.parse(process.argv[2] ?? '{}') as Config
const report = (event: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ ...event, id: config.id, at: Date.now() }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`)
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

const zk = createClient(config.connect, { sessionTimeout: config.sessionTimeout })
await zk.connected({ timeout: 20_000 })
zk.on('state', (c) => report({ event: 'state', state: c.state, sessionId: c.sessionId, password: zk.sessionPassword.toString('base64') }))
report({ event: 'connected', sessionId: zk.sessionId, password: zk.sessionPassword.toString('base64') })

let releaseRequested = false
let watchEvents = (): number => 0
let closing = false

async function writeLog(lock: Lock, kind: string): Promise<'ok' | 'fenced'> {
  for (;;) {
    try {
      await lock.guard([{ type: 'create', path: `${config.logPath}/e-`, data: JSON.stringify({ id: config.id, token: lock.token.toString(), kind }), mode: 'persistentSequential' }])
      return 'ok'
    } catch (error) {
      if (isFencedError(error)) return 'fenced'
      // Connection trouble: the outcome is not the server's verdict; try again.
      report({ event: 'guardError', kind, error: String(error) })
      await sleep(50)
    }
  }
}

async function holdOnce(mutex: Mutex): Promise<void> {
  const lock = await mutex.acquire()
  releaseRequested = false
  report({ event: 'acquired', token: lock.token, path: lock.path, watchEvents: mutex.watchEvents })
  lock.signal.addEventListener('abort', () => report({ event: 'lost', token: lock.token, reason: (lock.signal.reason as Error).message }))
  let verdict = await writeLog(lock, 'begin')
  if (verdict === 'ok') report({ event: 'wrote', kind: 'begin', token: lock.token })
  while (verdict === 'ok' && !releaseRequested) {
    await sleep(100)
    verdict = await writeLog(lock, 'tick')
  }
  if (verdict === 'ok') verdict = await writeLog(lock, 'end')
  if (verdict === 'fenced') report({ event: 'fenced', token: lock.token })
  await lock.release()
  report({ event: 'released', token: lock.token })
}

if (config.mode === 'mutex') {
  const mutex = new Mutex(zk, config.path)
  watchEvents = () => mutex.watchEvents
  void (async () => {
    while (!closing) {
      try {
        await holdOnce(mutex)
      } catch (error) {
        if (closing) break
        report({ event: 'error', error: String(error) })
        await sleep(100)
      }
    }
  })()
}

let barrier: DoubleBarrier | undefined
if (config.mode === 'double-barrier') {
  barrier = new DoubleBarrier(zk, config.path, config.memberCount ?? 2)
  void barrier.enter().then(
    () => report({ event: 'entered' }),
    (error: unknown) => report({ event: 'error', error: String(error) }),
  )
}

const stdin = createInterface({ input: process.stdin })
stdin.on('line', (line) => {
  const command = line.trim()
  if (command === 'release') releaseRequested = true
  if (command === 'stats') report({ event: 'stats', watchEvents: watchEvents() })
  if (command === 'leave') {
    void barrier!.leave().then(
      () => report({ event: 'left' }),
      (error: unknown) => report({ event: 'error', error: String(error) }),
    )
  }
  if (command === 'close') {
    closing = true
    void zk.close().then(() => {
      report({ event: 'closed', watchEvents: watchEvents() })
      process.exit(0)
    })
  }
})
// The test runner went away: do not outlive it.
stdin.on('close', () => process.exit(0))
