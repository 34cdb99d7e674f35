import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { AcquireTimeoutError, Mutex } from '../../src/index.js'
import { type Peer, startPython } from '../support/interop.js'
import { chrootClient, sharedServer } from '../support/zk.js'

// Commands: "lock <key> <path> <timeout s> <pattern|->" acquires a kazoo Lock in a thread
// ("acquired <key>" / "timeout <key>"); "unlock <key>" releases it ("released <key>").
const KAZOO_PEER = String.raw`
import sys, threading
from kazoo.client import KazooClient
from kazoo.exceptions import LockTimeout
zk = KazooClient(hosts=sys.argv[1])
zk.start()
out_lock = threading.Lock()
def out(s):
    with out_lock:
        print(s, flush=True)
held = {}
def hold(key, path, timeout, patterns):
    lock = zk.Lock(path, key, extra_lock_patterns=patterns)
    try:
        lock.acquire(timeout=timeout)
    except LockTimeout:
        out("timeout " + key)
        return
    held[key] = lock
    out("acquired " + key)
out("ready")
for line in sys.stdin:
    a = line.split()
    if a[0] == "lock":
        patterns = [] if a[4] == "-" else [a[4]]
        threading.Thread(target=hold, args=(a[1], a[2], float(a[3]), patterns), daemon=True).start()
    elif a[0] == "unlock":
        held.pop(a[1]).release()
        out("released " + a[1])
zk.stop()
`

let kazoo: Peer
beforeAll(async () => {
  kazoo = startPython(KAZOO_PEER, [sharedServer()])
  await kazoo.expect('ready', 30_000)
})
afterAll(async () => {
  await kazoo?.kill()
})

describe('kazoo 2.8.0 Lock beside a zkwire Mutex', () => {
  test('with extra_lock_patterns=["-lock-"] kazoo waits for a Node holder, and takes over after it', async () => {
    const { client, chroot } = await chrootClient()
    const mutex = new Mutex(client, '/lock')
    const lock = await mutex.acquire()
    kazoo.send(`lock k1 ${chroot}/lock 0.3 -lock-`)
    await kazoo.expect('timeout k1')
    kazoo.send(`lock k2 ${chroot}/lock 10 -lock-`)
    for (let i = 0; i < 200 && (await mutex.participantNodes()).length < 2; i++) await new Promise((r) => setTimeout(r, 10))
    await lock.release()
    await kazoo.expect('acquired k2')
    kazoo.send('unlock k2')
    await kazoo.expect('released k2')
  })

  test('documented hazard: without the pattern kazoo ignores the Node holder, and a Node Mutex ignores kazoo\'s __lock__ nodes', async () => {
    const { client, chroot } = await chrootClient()
    const mutex = new Mutex(client, '/lock')
    const lock = await mutex.acquire()
    kazoo.send(`lock k3 ${chroot}/lock 5 -`)
    await kazoo.expect('acquired k3') // beside the Node holder: not exclusive
    await lock.release()
    // kazoo holds: its node has no "lock-" marker, so it sorts by its whole name, after the
    // 10-digit sequence of ours (as with Curator), and the Node Mutex acquires beside it.
    const ours = await mutex.acquire({ timeout: 5_000 }).catch((e: unknown) => e)
    expect(ours).not.toBeInstanceOf(AcquireTimeoutError)
    await (ours as { release: () => Promise<void> }).release()
    kazoo.send('unlock k3')
    await kazoo.expect('released k3')
  })
})
