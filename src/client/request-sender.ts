/**
 * How the client hands a request to its session: the request's context (operation, path, signal,
 * timeout), a `zkwire:request` trace when anyone listens, and, in a chroot client, a NONODE that
 * is really a missing chroot explained as such.
 */
import { NoNodeError } from '../common/errors.js'
import type { Chroot } from '../common/paths.js'
import { OpCode } from '../protocol/constants.js'
import type { Reader } from '../protocol/reader.js'
import { ExistsRequestCodec } from '../protocol/requests.js'
import type { RequestContext, Session } from '../session/session.js'
import { CONFIG_NODE } from './dynamic-config.js'
import { traceRequest, tracingRequests } from './diagnostics.js'
import { decodeStat, explainRootNoNode, positiveOrUndefined } from './replies.js'
import type { CallOptions } from './types.js'

/** Sends the requests of one client (made once, with the client). */
export class RequestSender {
  /** The chroot node was seen to exist, so a NONODE is about the path alone. */
  private chrootSeen = false

  constructor(
    private readonly session: Session,
    private readonly chroot: Chroot,
    /** The client's `requestTimeout`, for calls that give none. */
    private readonly requestTimeout: number | undefined,
    /** The client, as the traces name it. */
    private readonly client: object,
  ) {}

  /** The context of a call of `operation` on the client path `path`. */
  context(operation: string, path: string | undefined, options: CallOptions): RequestContext {
    const context: RequestContext = { operation }
    if (path !== undefined) context.path = path
    if (options.signal !== undefined) context.signal = options.signal
    const timeout = options.timeout === undefined ? this.requestTimeout : positiveOrUndefined(options.timeout, 'timeout')
    if (timeout !== undefined) context.timeoutMs = timeout
    return context
  }

  /** Hands a request to the session, inside a `zkwire:request` trace when anyone listens. */
  send<T>(opcode: number, codec: Parameters<Session['request']>[1], body: unknown, decode: ((r: Reader) => T) | null, context: RequestContext): Promise<T> {
    const session = this.session
    const sent = tracingRequests()
      ? traceRequest(() => session.request(opcode, codec, body, decode, context), this.client, context.operation, context.path, session.sessionId, session.currentServer, context)
      : session.request(opcode, codec, body, decode, context)
    if (this.chroot.prefix === '' || this.chrootSeen) return sent
    if (context.path === '/') {
      return sent.catch((error: unknown) => {
        throw explainRootNoNode(error, context.operation, this.chroot.prefix)
      })
    }
    // Until the chroot is seen to exist, a NONODE may mean the chroot is missing: look, and say so.
    return sent.then(
      (value) => {
        // A reply about a node under the chroot proves it exists (exists() answering null does not).
        if (context.path !== undefined && context.path !== CONFIG_NODE && value !== null) this.chrootSeen = true
        return value
      },
      async (error: unknown) => {
        if (!(error instanceof NoNodeError) || (await this.chrootExists())) throw error
        throw new NoNodeError({ path: error.path, operation: error.operation, message: `${error.message}: the client's chroot ${this.chroot.prefix} does not exist on the server; create it first (from a client without the chroot)`, cause: error })
      },
    )
  }

  /** Whether the chroot node exists (remembered once it does); false when that cannot be told. */
  private async chrootExists(): Promise<boolean> {
    const context: RequestContext = { operation: 'exists', path: this.chroot.prefix, noNodeResult: null }
    if (this.requestTimeout !== undefined) context.timeoutMs = this.requestTimeout
    try {
      const stat = await this.session.request(OpCode.exists, ExistsRequestCodec, { path: this.chroot.prefix, watch: false }, decodeStat, context)
      if (stat !== null) this.chrootSeen = true
      return stat !== null
    } catch {
      return true // unknown: keep the original error as it is
    }
  }
}
