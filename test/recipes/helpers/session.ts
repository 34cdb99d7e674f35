/**
 * Clients behind their own FaultProxy, so a test can cut one off and end its session on the
 * server deterministically.
 */
import { afterEach } from 'vitest'
import type { ClientOptions, StateChange, ZooKeeperClient } from '../../../src/index.js'
import { FaultProxy } from '../../../src/testing/index.js'
import { connect, sharedServer } from '../../support/zk.js'

const proxies: FaultProxy[] = []
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()))
})

/** A client of the shared server inside `chroot`, through a FaultProxy of its own. */
export async function proxiedClient(chroot: string, options: ClientOptions = {}): Promise<{ client: ZooKeeperClient; proxy: FaultProxy }> {
  const proxy = await FaultProxy.start({ upstream: sharedServer() })
  proxies.push(proxy)
  const client = await connect(`${proxy.address}${chroot}`, { sessionTimeout: 10_000, ...options })
  return { client, proxy }
}

/** Resolves with the next state change of `client` that matches. */
export function nextState(client: ZooKeeperClient, match: (c: StateChange) => boolean): Promise<StateChange> {
  return new Promise((resolve) => {
    const on = (c: StateChange): void => {
      if (!match(c)) return
      client.off('state', on)
      resolve(c)
    }
    client.on('state', on)
  })
}

/** Cuts `client` off: resolves once it is suspended; new connections hang until `proxy.restore()`. */
export async function cutOff(client: ZooKeeperClient, proxy: FaultProxy): Promise<void> {
  const suspended = nextState(client, (c) => c.state === 'suspended')
  proxy.blackhole()
  proxy.cut()
  await suspended
}

/**
 * Ends the session of a client that is cut off (see {@link cutOff}) on the server: a second client
 * attaches to the session with its id and password, and closes it. The victim must be cut off
 * first: a victim that reconnects meanwhile takes its session back (the server drops the older
 * connection of a session), and the second client's close is lost.
 */
export async function expireWhileCutOff(client: ZooKeeperClient, chroot: string): Promise<void> {
  const thief = await connect(`${sharedServer()}${chroot}`, { session: { id: client.sessionId, password: client.sessionPassword } })
  await thief.close()
}

/** Expires `client`'s session on the server and waits until it runs in a new session. */
export async function expireSession(client: ZooKeeperClient, proxy: FaultProxy, chroot: string): Promise<StateChange> {
  await cutOff(client, proxy)
  await expireWhileCutOff(client, chroot)
  const renewed = nextState(client, (c) => c.state === 'reconnected' && c.newSession)
  proxy.restore()
  return renewed
}
