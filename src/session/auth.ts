/**
 * Credentials of a session (`addAuth`). They are presented on every connection, right after the
 * handshake, and the server answers each in order with xid -4 (`AUTHPACKET_XID`).
 */
import { AuthFailedError } from '../common/errors.js'
import { OpCode, Xid } from '../protocol/constants.js'
import { AuthPacketCodec } from '../protocol/requests.js'
import type { Writer } from '../protocol/writer.js'

interface AuthEntry {
  scheme: string
  auth: Buffer
  waiters: { resolve: () => void; reject: (e: unknown) => void }[]
}

/** The session's credentials, and which of them await the server's answer on this connection. */
export class Credentials {
  private readonly entries: AuthEntry[] = []
  private inFlight: AuthEntry[] = []

  /** Records credentials; the promise settles with the server's first answer to them. */
  add(scheme: string, auth: Buffer): { entry: AuthEntry; answered: Promise<void> } {
    let entry!: AuthEntry
    const answered = new Promise<void>((resolve, reject) => {
      entry = { scheme, auth, waiters: [{ resolve, reject }] }
    })
    this.entries.push(entry)
    return { entry, answered }
  }

  /** Writes one AuthPacket frame. */
  write(w: Writer, entry: AuthEntry): void {
    const start = w.beginFrame()
    w.int(Xid.auth).int(OpCode.auth)
    AuthPacketCodec.encode(w, { type: 0, scheme: entry.scheme, auth: entry.auth })
    w.endFrame(start)
    this.inFlight.push(entry)
  }

  /** Writes every credential (on a new connection, before anything else). */
  writeAll(w: Writer): void {
    for (const entry of this.entries) this.write(w, entry)
  }

  /** Number of credentials sent on this connection and not yet answered. */
  get unanswered(): number {
    return this.inFlight.length
  }

  /** Forgets what was in flight on a connection that ended; everything is replayed on the next. */
  connectionEnded(): void {
    this.inFlight = []
  }

  /**
   * Takes the server's answer to the oldest credential in flight. Returns the error that ends the
   * session when authentication failed (the server closes the socket; AUTH_FAILED is final).
   */
  answer(err: number): Error | null {
    const entry = this.inFlight.shift()
    if (err === 0) {
      if (entry !== undefined) for (const w of entry.waiters.splice(0)) w.resolve()
      return null
    }
    const error = new AuthFailedError({ message: `authentication with scheme "${entry?.scheme ?? '?'}" failed; the client is closed: check the credentials and create a new client` })
    if (entry !== undefined) for (const w of entry.waiters.splice(0)) w.reject(error)
    return error
  }

  /** Fails every unanswered credential (the client is closing). */
  rejectAll(error: Error): void {
    for (const entry of this.entries) for (const w of entry.waiters.splice(0)) w.reject(error)
  }
}
