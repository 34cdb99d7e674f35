import { createServer, type Server } from 'node:net'

const LOOPBACK = '127.0.0.1'
// Ports handed out recently in this process; a port freed by one caller must not go to the next
// before its JVM has bound it.
const handedOut = new Set<number>()
const REMEMBERED = 4096

/**
 * Finds `count` distinct free TCP ports on 127.0.0.1 by binding port 0, and never returns a port
 * this process handed out recently. A port can still be taken by another process before it is
 * used; {@link TestingServer} and {@link TestingCluster} retry on "Address already in use".
 *
 * @example
 * const [client, quorum, election] = await freePorts(3)
 */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = []
  const held: Server[] = []
  try {
    // Hold every socket until all are found, so the kernel cannot give the same port twice.
    for (let attempt = 0; ports.length < count; attempt++) {
      if (attempt >= count + 64) throw new Error(`could not find ${count} free ports on ${LOOPBACK}`)
      const server = await listenOnFreePort()
      held.push(server)
      const port = (server.address() as { port: number }).port
      if (!handedOut.has(port)) ports.push(port)
    }
  } finally {
    await Promise.all(held.map((s) => new Promise((resolve) => s.close(resolve))))
  }
  for (const port of ports) remember(port)
  return ports
}

/**
 * One free TCP port on 127.0.0.1; see {@link freePorts}.
 *
 * @example
 * const port = await freePort()
 */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1)
  return port as number
}

function remember(port: number): void {
  handedOut.add(port)
  if (handedOut.size > REMEMBERED) {
    const oldest = handedOut.values().next().value
    if (oldest !== undefined) handedOut.delete(oldest)
  }
}

function listenOnFreePort(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen({ host: LOOPBACK, port: 0, exclusive: true }, () => resolve(server))
  })
}
