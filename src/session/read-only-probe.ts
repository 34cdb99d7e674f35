/**
 * The search for a read-write server while a session is connected to a read-only one: the Java
 * client's `ClientCnxn.SendThread.pingRwServer`. The other servers are asked `isro` on fresh
 * connections; the first that answers `rw` is reported, and the session moves to it.
 */
import type { Socket } from 'node:net'
import type { Clock, TimerHandle } from './clock.js'
import { type HostAddress, formatHost } from './hosts.js'
import { type Transport, readyEvent } from './transport.js'

/** First pause before a round of probes, in ms (ClientCnxn `minPingRwTimeout`). */
export const READ_ONLY_PROBE_INITIAL_MS = 100
/** Longest pause between rounds of probes, in ms (ClientCnxn `maxPingRwTimeout`). */
export const READ_ONLY_PROBE_MAX_MS = 60_000
/** Bound on one `isro` exchange (connect, ask, read the answer), in ms (the Java client's 1 s socket timeout). */
export const READ_ONLY_PROBE_TIMEOUT_MS = 1_000

/** Settings of a {@link ReadOnlyProbe}. */
export interface ReadOnlyProbeSettings {
  /** Opens the probe connections (the session's transport). */
  transport: Transport
  /** Timers of the probe (the session's clock), so none escapes a test clock. */
  clock: Clock
  /** Pause before the first round, doubled after each round; default {@link READ_ONLY_PROBE_INITIAL_MS}. */
  initialMs?: number
  /** Ceiling of the pause between rounds; default {@link READ_ONLY_PROBE_MAX_MS}. */
  maxMs?: number
  /** Bound on each `isro` exchange; default {@link READ_ONLY_PROBE_TIMEOUT_MS}. */
  timeoutMs?: number
}

/**
 * Looks for a read-write server among `candidates` until one is found or {@link stop} is called.
 * A round asks each candidate `isro` in turn, each exchange bounded; rounds are separated by a
 * pause that starts at 100 ms and doubles up to 60 s. Once a candidate answers `rw`, `onFound`
 * is called once and probing ends. Nothing runs (no timer, no socket) after {@link stop}.
 *
 * @example
 * const probe = new ReadOnlyProbe(otherHosts, { transport, clock }, (host) => moveTo(host))
 * probe.start()
 * // when the connection ends or the client closes:
 * probe.stop()
 */
export class ReadOnlyProbe {
  private readonly candidates: readonly HostAddress[]
  private readonly settings: Required<ReadOnlyProbeSettings>
  private readonly onFound: (host: HostAddress) => void
  private timer: TimerHandle | undefined
  private pauseMs: number
  private stopped = false
  private cancelExchange: (() => void) | null = null

  constructor(candidates: readonly HostAddress[], settings: ReadOnlyProbeSettings, onFound: (host: HostAddress) => void) {
    this.candidates = [...candidates]
    this.settings = {
      initialMs: READ_ONLY_PROBE_INITIAL_MS,
      maxMs: READ_ONLY_PROBE_MAX_MS,
      timeoutMs: READ_ONLY_PROBE_TIMEOUT_MS,
      ...settings,
    }
    this.onFound = onFound
    this.pauseMs = this.settings.initialMs
  }

  /** Schedules the first round. Does nothing without candidates, or once stopped. */
  start(): void {
    if (this.stopped || this.candidates.length === 0 || this.timer !== undefined) return
    this.schedule()
  }

  /** Ends probing: clears the pending timer and abandons an exchange in progress. Idempotent. */
  stop(): void {
    this.stopped = true
    this.settings.clock.clearTimeout(this.timer)
    this.timer = undefined
    const cancel = this.cancelExchange
    this.cancelExchange = null
    cancel?.()
  }

  private schedule(): void {
    const pause = this.pauseMs
    this.pauseMs = Math.min(this.pauseMs * 2, this.settings.maxMs)
    this.timer = this.settings.clock.setTimeout(() => {
      this.timer = undefined
      void this.round()
    }, pause)
  }

  private async round(): Promise<void> {
    for (const host of this.candidates) {
      if (this.stopped) return
      const answer = await this.ask(host)
      if (this.stopped) return
      if (answer === 'rw') {
        this.stopped = true
        this.onFound(host)
        return
      }
    }
    if (!this.stopped) this.schedule()
  }

  /** One `isro` exchange: the trimmed answer, or null when there was none in time. Never rejects. */
  private ask(host: HostAddress): Promise<string | null> {
    const { transport, clock, timeoutMs } = this.settings
    return new Promise<string | null>((resolve) => {
      const chunks: Buffer[] = []
      let socket: Socket | null = null
      let timer: TimerHandle | undefined
      let done = false
      const finish = (answer: string | null): void => {
        if (done) return
        done = true
        clock.clearTimeout(timer)
        timer = undefined
        if (this.cancelExchange === cancel) this.cancelExchange = null
        if (socket !== null) {
          socket.removeAllListeners()
          socket.on('error', noop) // a late error from a discarded socket must not become uncaught
          socket.destroy()
        }
        resolve(answer)
      }
      const cancel = (): void => finish(null)
      this.cancelExchange = cancel
      timer = clock.setTimeout(() => finish(null), timeoutMs)
      try {
        socket = transport(host)
      } catch {
        finish(null)
        return
      }
      const answered = (): void => finish(chunks.length > 0 ? Buffer.concat(chunks).toString('latin1').trim() : null)
      // Over TLS (the session's transport) the word goes once the handshake is done.
      socket.on(readyEvent(socket), () => socket?.write('isro'))
      socket.on('data', (chunk: Buffer) => chunks.push(chunk))
      socket.on('end', answered)
      socket.on('close', answered)
      // The server closes right after answering; a reset after the answer still counts.
      socket.on('error', answered)
    })
  }
}

/**
 * The session's search for a read-write server while connected to a read-only one: at most one
 * {@link ReadOnlyProbe} at a time, for the connection it was started on.
 */
export class ReadWriteSearch {
  private probe: ReadOnlyProbe | null = null

  constructor(private readonly settings: ReadOnlyProbeSettings) {}

  /**
   * Probes every host of `hosts` but `current`, ending any search under way; `found` is called
   * once with the first read-write one, unless {@link stop} comes first.
   */
  start(hosts: readonly HostAddress[], current: string, found: (host: HostAddress) => void): void {
    this.stop()
    const probe = new ReadOnlyProbe(otherHosts(hosts, current), this.settings, (host) => {
      if (this.probe === probe) found(host)
    })
    this.probe = probe
    probe.start()
  }

  /** Ends the search (the connection ended, or the client is closing). */
  stop(): void {
    this.probe?.stop()
    this.probe = null
  }
}

/** `host:port` of every host in `hosts` but `current` (an address as {@link formatHost} writes it). */
export function otherHosts(hosts: readonly HostAddress[], current: string): HostAddress[] {
  return hosts.filter((h) => formatHost(h) !== current)
}

function noop(): void {}
