/**
 * The `zkwire` invocation, zkCli's: `zkwire -server host:port[,host:port][/chroot] [-timeout ms] [-r]
 * [command args...]`, plus zkwire's own options. Options end at the first word that is not one,
 * which starts the command (run once, then exit); without a command the shell is interactive.
 */
import { UsageError } from './args.js'

/** The parsed invocation. */
export interface Invocation {
  /** The connect string (default `localhost:2181`, as zkCli). */
  server: string
  /** Session timeout in ms (default 30,000, as zkCli); also bounds the wait for a connection. */
  timeout: number
  /** Accept read-only servers (`-r`). */
  readOnly: boolean
  /** `--json` before the command: JSON output for every read command. */
  json: boolean
  /** SASL DIGEST-MD5 credentials (`-sasl-user`, `-sasl-password` or `ZKWIRE_SASL_PASSWORD`). */
  sasl?: { username: string; password: string }
  /**
   * TLS (`-tls`, or any of `-tls-ca`, `-tls-cert`, `-tls-key`): PEM file paths; without `ca` the
   * system's certificate authorities verify the server.
   */
  tls?: { ca?: string; cert?: string; key?: string }
  /** Credentials to present from the first connection on (`-auth scheme:credentials`, repeatable). */
  auth: { scheme: string; auth: string }[]
  /** `-h`/`--help` was given. */
  help: boolean
  /** `--version` was given. */
  version: boolean
  /** The command and its arguments, or null for the interactive shell. */
  command: string[] | null
}

/** The invocation's usage text. */
export const INVOCATION_USAGE = `usage: zkwire [-server host:port[,host:port...][/chroot]] [-timeout ms] [-r]
              [-auth scheme:credentials] [-sasl-user name [-sasl-password pw]]
              [-tls] [-tls-ca file] [-tls-cert file -tls-key file] [--json]
              [command [args...]]
  Without a command, an interactive shell. Type 'help' in it for the commands.
  -server    the ensemble to connect to (default localhost:2181)
  -timeout   session timeout in ms (default 30000); also bounds the wait for a connection
  -r         accept read-only servers
  -auth      credentials to present on every connection, e.g. digest:user:password
  -sasl-user SASL DIGEST-MD5 user; the password comes from -sasl-password or ZKWIRE_SASL_PASSWORD
  -tls       connect with TLS (to the servers' secureClientPort); -tls-ca the CA's PEM file
             (default: the system's CAs), -tls-cert and -tls-key a client certificate for mutual TLS
  --json     JSON output for read commands (the same as --json on each of them)
`

/** Parses the process arguments (without `node` and the script). Throws UsageError on bad options. */
export function parseInvocation(argv: readonly string[], env: NodeJS.ProcessEnv): Invocation {
  const inv: Invocation = { server: 'localhost:2181', timeout: 30_000, readOnly: false, json: false, auth: [], help: false, version: false, command: null }
  let saslUser: string | undefined
  let saslPassword = env.ZKWIRE_SASL_PASSWORD
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const value = (): string => {
      const v = argv[++i]
      if (v === undefined) throw new UsageError(`Error: no argument found for option ${arg}`)
      return v
    }
    switch (arg) {
      case '-server':
      case '--server':
        inv.server = value()
        break
      case '-timeout':
      case '--timeout': {
        const v = value()
        if (!/^\d+$/.test(v) || Number(v) <= 0) throw new UsageError(`-timeout must be a positive number of ms, got ${JSON.stringify(v)}`)
        inv.timeout = Number(v)
        break
      }
      case '-r':
        inv.readOnly = true
        break
      case '-waitforconnection':
        break // zkwire always waits for the connection (bounded by -timeout)
      case '--json':
      case '-json':
        inv.json = true
        break
      case '-auth':
      case '--auth': {
        const v = value()
        const colon = v.indexOf(':')
        if (colon <= 0) throw new UsageError(`-auth takes scheme:credentials (e.g. digest:user:password), got ${JSON.stringify(v)}`)
        inv.auth.push({ scheme: v.slice(0, colon), auth: v.slice(colon + 1) })
        break
      }
      case '-sasl-user':
      case '--sasl-user':
        saslUser = value()
        break
      case '-sasl-password':
      case '--sasl-password':
        saslPassword = value()
        break
      case '-tls':
      case '--tls':
        inv.tls ??= {}
        break
      case '-tls-ca':
      case '--tls-ca':
        inv.tls = { ...inv.tls, ca: value() }
        break
      case '-tls-cert':
      case '--tls-cert':
        inv.tls = { ...inv.tls, cert: value() }
        break
      case '-tls-key':
      case '--tls-key':
        inv.tls = { ...inv.tls, key: value() }
        break
      case '-h':
      case '-help':
      case '--help':
        inv.help = true
        break
      case '--version':
        inv.version = true
        break
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`)
        inv.command = argv.slice(i)
        i = argv.length
    }
  }
  if (inv.tls !== undefined && (inv.tls.cert === undefined) !== (inv.tls.key === undefined)) {
    throw new UsageError('-tls-cert and -tls-key go together: the client certificate and its private key (PEM files)')
  }
  if (saslUser !== undefined) {
    if (saslPassword === undefined) throw new UsageError('-sasl-user needs a password: -sasl-password, or the environment variable ZKWIRE_SASL_PASSWORD')
    inv.sasl = { username: saslUser, password: saslPassword }
  }
  return inv
}
