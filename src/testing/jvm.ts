import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, fstatSync, openSync, readSync, rmSync, statSync } from 'node:fs'

/** How a launched JVM ended. */
export interface JvmExit {
  code: number | null
  signal: NodeJS.Signals | null
}

/** What to run: `java <args>` with stdout and stderr appended to `logFile`. */
export interface JvmSpec {
  java: string
  args: readonly string[]
  logFile: string
  cwd: string
}

// The JVM is started through `sh`, which keeps its pid (`exec`) but first forks a watcher that
// reads our stdin pipe: if this Node process dies without running its exit hooks (SIGKILL, a
// killed test worker), the pipe closes and the watcher kills the JVM.
const ORPHAN_GUARD = 'exec 3<&0; (read _ <&3; kill -9 $$ 2>/dev/null) & exec "$@" 3<&-'

const running = new Set<Jvm>()
const tempDirs = new Set<string>()
let hooksInstalled = false

/** Removes `dir` when Node exits, unless {@link releaseTempDir} is called first. */
export function registerTempDir(dir: string): void {
  installExitHooks()
  tempDirs.add(dir)
}

/** Forgets a directory given to {@link registerTempDir} (its owner removed it). */
export function releaseTempDir(dir: string): void {
  tempDirs.delete(dir)
}

/** A running ZooKeeper JVM: signals, bounded stop, and a registry that kills it when Node exits. */
export class Jvm {
  /** Process id of the JVM. */
  readonly pid: number
  /** Resolves when the JVM has exited, however it ended. */
  readonly exited: Promise<JvmExit>
  private exitInfo: JvmExit | null = null
  private stopped = false

  private constructor(private readonly child: ChildProcess) {
    this.pid = child.pid as number
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal }
        running.delete(this)
        child.stdin?.destroy()
        resolve(this.exitInfo)
      })
    })
  }

  /** Starts `spec.java` with the orphan guard; rejects if the shell cannot be spawned. */
  static async spawn(spec: JvmSpec): Promise<Jvm> {
    if (process.platform === 'win32') throw new Error('zkwire/testing needs a POSIX system (it uses sh and SIGSTOP/SIGCONT)')
    installExitHooks()
    const log = openSync(spec.logFile, 'a')
    try {
      const child = spawn('/bin/sh', ['-c', ORPHAN_GUARD, 'zkwire-jvm', spec.java, ...spec.args], {
        cwd: spec.cwd,
        stdio: ['pipe', log, log],
      })
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve)
        child.once('error', reject)
      })
      child.stdin?.on('error', () => {})
      const jvm = new Jvm(child)
      running.add(jvm)
      return jvm
    } finally {
      closeSync(log)
    }
  }

  /** The exit status once it has exited, else `null`. */
  get exit(): JvmExit | null {
    return this.exitInfo
  }

  /** Whether the process has not exited yet. */
  get alive(): boolean {
    return this.exitInfo === null
  }

  /** Sends a signal if still running; returns whether it was sent. */
  signal(signal: NodeJS.Signals): boolean {
    if (this.exitInfo !== null) return false
    try {
      return process.kill(this.pid, signal)
    } catch {
      return false
    }
  }

  /** SIGTERM (and SIGCONT, so a paused JVM can act on it); SIGKILL if still alive after `timeoutMs`. */
  async stop(timeoutMs: number): Promise<JvmExit> {
    if (this.exitInfo) return this.exitInfo
    this.stopped = true
    this.signal('SIGTERM')
    this.signal('SIGCONT')
    const exit = await withTimeout(this.exited, timeoutMs)
    return exit ?? this.kill()
  }

  /** SIGKILL; resolves when the process is gone. */
  async kill(): Promise<JvmExit> {
    this.stopped = true
    this.signal('SIGKILL')
    const exit = await withTimeout(this.exited, 10_000)
    if (exit === null) throw new Error(`JVM ${this.pid} did not exit 10 s after SIGKILL`)
    return exit
  }

  /** Whether the exit was asked for by `stop()` / `kill()` (as opposed to a crash). */
  get stopRequested(): boolean {
    return this.stopped
  }
}

/**
 * The last `lines` lines of a log file written at or after byte `from` (reads at most its last
 * 64 KiB); '' if unreadable.
 */
export function logTail(file: string, lines = 40, from = 0): string {
  let fd: number | undefined
  try {
    fd = openSync(file, 'r')
    const size = fstatSync(fd).size
    const start = Math.max(from, size - 64 * 1024, 0)
    const length = Math.max(size - start, 0)
    const buf = Buffer.alloc(length)
    readSync(fd, buf, 0, length, start)
    return buf.toString('utf8').split('\n').slice(-lines - 1).join('\n').trimEnd()
  } catch {
    return ''
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/** Size of a file in bytes, 0 if it does not exist. */
export function fileSize(file: string): number {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}

/** `promise`'s value, or `null` after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

function killAll(): void {
  for (const jvm of running) jvm.signal('SIGKILL')
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true })
    } catch {
      // Best effort while exiting.
    }
  }
  tempDirs.clear()
}

function onSignal(signal: NodeJS.Signals): void {
  killAll()
  // Keep the default "die on this signal" behaviour when nobody else handles it.
  if (process.listenerCount(signal) === 1) {
    process.removeListener(signal, onSignal)
    process.kill(process.pid, signal)
  }
}

function installExitHooks(): void {
  if (hooksInstalled) return
  hooksInstalled = true
  process.on('exit', killAll)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal)
}
