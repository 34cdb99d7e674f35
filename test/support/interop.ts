/**
 * Runs the real Apache Curator (Java) and kazoo (Python) beside zkwire, so interop tests can prove
 * that both sides see one recipe layout. A peer is a child process that reads commands from stdin and
 * writes one result per line to stdout; the test drives it with {@link Peer.send} and
 * {@link Peer.line}. Java sources are compiled once per content hash, against Debian's jars.
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { createInterface } from 'node:readline'

const JAVA_DIR = '/usr/share/java'
const CURATOR_JARS = [
  'curator-recipes.jar', 'curator-framework.jar', 'curator-client.jar', 'zookeeper.jar', 'zookeeper-jute.jar',
  'guava.jar', 'slf4j-api.jar', 'slf4j-nop.jar', 'jackson-core.jar', 'jackson-databind.jar', 'jackson-annotations.jar',
  'netty-handler.jar', 'netty-common.jar', 'netty-buffer.jar', 'netty-transport.jar', 'netty-codec.jar', 'netty-resolver.jar',
  'netty-transport-native-epoll.jar', 'netty-transport-native-unix-common.jar',
]

/** The classpath of the real Curator as Debian ships it (package libcurator-recipes-java). */
export function curatorClasspath(): string {
  return CURATOR_JARS.map((jar) => join(JAVA_DIR, jar)).filter(existsSync).join(delimiter)
}

/** A running peer process speaking one line per command and one line per answer. */
export class Peer {
  private readonly lines: string[] = []
  private readonly waiters: Array<(line: string | null) => void> = []
  private ended = false
  private stderr = ''

  constructor(readonly child: ChildProcessWithoutNullStreams, private readonly name: string) {
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-8_000)
    })
    const rl = createInterface({ input: child.stdout })
    rl.on('line', (line) => {
      const waiter = this.waiters.shift()
      if (waiter) waiter(line)
      else this.lines.push(line)
    })
    rl.on('close', () => {
      this.ended = true
      for (const waiter of this.waiters.splice(0)) waiter(null)
    })
  }

  /** Writes one command line to the peer's stdin. */
  send(command: string): void {
    this.child.stdin.write(`${command}\n`)
  }

  /** The next line the peer prints; rejects after `timeoutMs` or when the peer exits first. */
  line(timeoutMs = 20_000): Promise<string> {
    const queued = this.lines.shift()
    if (queued !== undefined) return Promise.resolve(queued)
    if (this.ended) return Promise.reject(new Error(`${this.name} exited: ${this.stderr}`))
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter)
        if (i >= 0) this.waiters.splice(i, 1)
        reject(new Error(`${this.name} printed nothing within ${timeoutMs} ms; stderr: ${this.stderr}`))
      }, timeoutMs)
      const waiter = (line: string | null): void => {
        clearTimeout(timer)
        if (line === null) reject(new Error(`${this.name} exited: ${this.stderr}`))
        else resolve(line)
      }
      this.waiters.push(waiter)
    })
  }

  /** Sends a command and returns the peer's answer line. */
  async ask(command: string, timeoutMs?: number): Promise<string> {
    this.send(command)
    return this.line(timeoutMs)
  }

  /** Waits for a line equal to `expected` (skipping others), or rejects on timeout. */
  async expect(expected: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const line = await this.line(Math.max(1, deadline - Date.now()))
      if (line === expected) return
    }
  }

  /** Ends the peer: `SIGKILL` by default, as a crashed process would. Resolves once it has exited. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()))
    this.child.kill(signal)
    await exited
  }
}

/**
 * Compiles a Java source (class `className`) against Curator's classpath, once per content, and starts
 * it with `args`.
 */
export function startJava(className: string, source: string, args: readonly string[]): Peer {
  const classpath = curatorClasspath()
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16)
  const dir = join(tmpdir(), `zkwire-interop-${className}-${hash}`)
  if (!existsSync(join(dir, `${className}.class`))) {
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, `${className}.java`), source)
    execFileSync('javac', ['-nowarn', '-cp', classpath, '-d', dir, join(dir, `${className}.java`)], { stdio: 'pipe' })
  }
  const child = spawn('java', ['-Xmx128m', '-XX:TieredStopAtLevel=1', '-cp', `${dir}${delimiter}${classpath}`, className, ...args], { stdio: 'pipe' })
  return new Peer(child, `java ${className}`)
}

/** Starts a Python script under Debian's python3, where python3-kazoo is installed. */
export function startPython(script: string, args: readonly string[]): Peer {
  const child = spawn('/usr/bin/python3', ['-u', '-c', script, ...args], { stdio: 'pipe' })
  return new Peer(child, 'python3 (kazoo)')
}
