/**
 * `zkwire/testing`: real ZooKeeper servers and network faults for tests.
 *
 * - {@link TestingServer}: a standalone server in a child JVM on a free loopback port.
 * - {@link TestingCluster}: a multi-member ensemble with leader lookup and failover helpers.
 * - {@link FaultProxy}: a TCP proxy that cuts, silences, delays or refuses connections.
 * - {@link fourLetterWord}: `ruok`, `srvr`, `mntr`… against any server.
 * - {@link waitFor}: bounded polling, so tests never sleep.
 * - {@link createTestCertificates}: a throwaway CA and certificates for TLS servers (`tls` option).
 *
 * Needs Java and a ZooKeeper install: `apt-get install zookeeper libslf4j-java`, or `ZOOKEEPER_HOME`.
 *
 * @example
 * import { TestingServer } from 'zkwire/testing'
 * const server = await TestingServer.start()
 * // createClient(server.connectString) ...
 * await server.close()
 *
 * @packageDocumentation
 */
export { TestingServer, TestingServerError } from './server.js'
export type { ServerState, TestingServerOptions, RestartOptions } from './server.js'
export { TestingCluster } from './cluster.js'
export type { TestingClusterOptions, ClusterWaitOptions } from './cluster.js'
export { FaultProxy } from './fault-proxy.js'
export type { FaultProxyOptions, ProxyConnection, NextConnectionOptions } from './fault-proxy.js'
export { fourLetterWord, serverMode, parseMode, parseMntr, FourLetterWordError } from './four-letter.js'
export type { FourLetterWord, FourLetterWordOptions, ServerMode } from './four-letter.js'
export { findZooKeeper, classpathString, ZooKeeperNotFoundError } from './zookeeper-install.js'
export type { ZooKeeperInstall, FindZooKeeperOptions, LoggingBackend } from './zookeeper-install.js'
export { digestCredential, LOOPBACK } from './config.js'
export type { ZooKeeperServerOptions, SettingValue, ServerLogLevel } from './config.js'
export { freePort, freePorts } from './ports.js'
export { TestCertificateAuthority, createTestCertificates, certificateValidity } from './certs.js'
export type { CertificateOptions, TestCertificate, TestCertificates } from './certs.js'
export type { TestingTlsOptions } from './tls-config.js'
export { waitFor, WaitTimeoutError } from './wait.js'
export type { WaitForOptions } from './wait.js'
