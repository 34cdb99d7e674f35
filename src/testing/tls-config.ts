/**
 * TLS for testing servers: the PEM key and trust stores written into the server's directory and
 * the `zoo.cfg` lines of a `secureClientPort` (and of quorum TLS in an ensemble), as
 * `../shared/TLS.md` verified them on ZooKeeper 3.8.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ConnectionOptions } from 'node:tls'
import type { TestCertificate } from './certs.js'
import type { SettingValue } from './config.js'

/** TLS settings of a {@link TestingServer} or of every member of a {@link TestingCluster}. */
export interface TestingTlsOptions {
  /**
   * The server's certificate and key, and the CA that client certificates must chain to
   * (`certificate.ca`), e.g. `certs.server` from {@link createTestCertificates}. Ensemble members
   * share it; it must then allow clientAuth too, as members are TLS clients of each other.
   */
  certificate: TestCertificate
  /** `ssl.clientAuth`: `need` (a trusted client certificate is required), `want` or `none`. Default `need`, ZooKeeper's own default. */
  clientAuth?: 'need' | 'want' | 'none'
  /** Ensembles only: TLS on the quorum and election ports too (`sslQuorum`). Default true. */
  quorum?: boolean
}

/** Where a server's TLS files live. */
export interface TlsFiles {
  keyStore: string
  trustStore: string
}

/** Writes `tls/keystore.pem` (key, certificate, CA) and `tls/truststore.pem` (CA) under `dir`. */
export async function writeTlsFiles(dir: string, tls: TestingTlsOptions): Promise<TlsFiles> {
  const tlsDir = join(dir, 'tls')
  await mkdir(tlsDir, { recursive: true })
  const files = { keyStore: join(tlsDir, 'keystore.pem'), trustStore: join(tlsDir, 'truststore.pem') }
  const { cert, key, ca } = tls.certificate
  // ZooKeeper's PEM key store wants a PKCS#8 key, which is what certs.ts writes.
  await writeFile(files.keyStore, `${key.trim()}\n${cert.trim()}\n${ca.trim()}\n`, { mode: 0o600 })
  await writeFile(files.trustStore, `${ca.trim()}\n`)
  return files
}

/** The `zoo.cfg` settings of a secure client port (and of quorum TLS when `ensemble`). */
export function tlsSettings(tls: TestingTlsOptions, files: TlsFiles, securePort: number, host: string, ensemble: boolean): Record<string, SettingValue> {
  const stores = (prefix: string): Record<string, SettingValue> => ({
    [`${prefix}.keyStore.location`]: files.keyStore,
    [`${prefix}.keyStore.type`]: 'PEM',
    [`${prefix}.keyStore.password`]: '',
    [`${prefix}.trustStore.location`]: files.trustStore,
    [`${prefix}.trustStore.type`]: 'PEM',
    [`${prefix}.trustStore.password`]: '',
  })
  const cfg: Record<string, SettingValue> = {
    secureClientPort: securePort,
    secureClientPortAddress: host,
    // TLS needs the Netty connection factory; it serves the plain port as well.
    serverCnxnFactory: 'org.apache.zookeeper.server.NettyServerCnxnFactory',
    ...stores('ssl'),
    'ssl.clientAuth': tls.clientAuth ?? 'need',
  }
  if (ensemble && (tls.quorum ?? true)) Object.assign(cfg, { sslQuorum: true, ...stores('ssl.quorum') })
  return cfg
}

/**
 * `node:tls` options for probing a testing server over TLS: its own certificate serves as the
 * client certificate (so `need` is satisfied), and the chain is not verified, so a server given
 * an expired or mismatched certificate on purpose can still be seen to serve.
 */
export function probeTlsOptions(tls: TestingTlsOptions): ConnectionOptions {
  const { cert, key, ca } = tls.certificate
  return { ca, cert, key, rejectUnauthorized: false }
}
