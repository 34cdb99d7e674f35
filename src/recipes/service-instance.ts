/**
 * Curator service discovery's instance record (`org.apache.curator.x.discovery.ServiceInstance`)
 * and the JSON its default `JsonInstanceSerializer` writes and reads, so Node and Java services
 * can register in and discover from the same paths.
 *
 * Facts this module follows (Curator `curator-x-discovery`):
 * - Jackson writes the bean's properties in field order: `name, id, address, port, sslPort,
 *   payload, registrationTimeUTC, serviceType, uriSpec`, nulls included.
 * - The default serializer is in "compatible" mode (CURATOR-275): it writes no `enabled` field;
 *   readers take a missing `enabled` as true. `enabled` is written only when set explicitly.
 * - `serviceType` is the enum name: `DYNAMIC` (ephemeral node), `DYNAMIC_SEQUENTIAL` (ephemeral
 *   sequential), `STATIC` and `PERMANENT` (persistent nodes).
 * - `uriSpec` is `{"parts":[{"value":"scheme","variable":true},{"value":"://","variable":false},…]}`.
 * - Unknown properties are ignored when reading, and missing ones take the defaults of the
 *   no-argument constructor (empty name and id, nulls, time 0, DYNAMIC, enabled).
 * - The payload is written as Jackson writes the value with `@JsonTypeInfo(use = CLASS)`: strings,
 *   integers, doubles and booleans as plain JSON; Java objects with an `"@class"` property; other
 *   values, arrays among them, wrapped as `[className, value]` (`["java.util.ArrayList",[1,2]]`).
 *   A bare array is not readable there: one such node fails Curator's query for the whole
 *   service. So arrays are written wrapped, and wrapped values are read back unwrapped. A Node
 *   payload object is written as given; add `"@class"` yourself if Java readers expect a class.
 * - Jackson coerces scalars: `"port":"8080"` reads as 8080, `"port":8080.0` as 8080, `"id":7` as
 *   `"7"`, `"enabled":"false"` as false. The reader here does the same, so an instance Curator
 *   accepts is not dropped; text that is not a number where one is due stays an error.
 */
import { randomUUID } from 'node:crypto'
import { InvalidArgumentError } from '../common/errors.js'
import { checkBoolean, checkOptions, describe, numericStringHint } from '../common/check.js'

const INPUT_KEYS = ['id', 'address', 'port', 'sslPort', 'payload', 'registrationTimeUTC', 'serviceType', 'uriSpec', 'enabled'] as const
const INPUT_HINTS = {
  host: 'use { address }',
  hostname: 'use { address }',
  name: 'the service name is the first argument',
  ssl_port: 'use { sslPort }',
  uri: "use { uriSpec: '{scheme}://{address}:{port}' }",
}

/** How a registered instance is kept: by its session (`DYNAMIC…`) or until deleted (`STATIC`, `PERMANENT`). */
export type ServiceType = 'DYNAMIC' | 'STATIC' | 'PERMANENT' | 'DYNAMIC_SEQUENTIAL'

const SERVICE_TYPES: readonly ServiceType[] = ['DYNAMIC', 'STATIC', 'PERMANENT', 'DYNAMIC_SEQUENTIAL']

/** One token of a {@link UriSpec}: literal text, or a variable replaced when the URI is built. */
export interface UriSpecPart {
  /** The text, or the variable's name. */
  value: string
  /** Whether `value` names a variable. */
  variable: boolean
}

/** A URI template in Curator's parsed form, e.g. from `'{scheme}://{address}:{port}/api'`. */
export interface UriSpec {
  /** The template's tokens in order. */
  parts: UriSpecPart[]
}

/** A service instance as Curator stores it, one JSON document per node. */
export interface ServiceInstance<P = unknown> {
  /** The service's name (the node's parent). */
  name: string
  /** The instance's id, unique within the service (the node's name for `DYNAMIC`). */
  id: string
  /** Host name or IP address. */
  address: string | null
  /** Port, or null. */
  port: number | null
  /** TLS port, or null. */
  sslPort: number | null
  /** Any JSON value the instance wants to publish, or null. */
  payload: P | null
  /** Registration time, ms since the epoch (UTC). */
  registrationTimeUTC: number
  /** How the node is kept. */
  serviceType: ServiceType
  /** URI template, or null. */
  uriSpec: UriSpec | null
  /** Whether the instance takes traffic; absent means enabled (pickers skip `false`). */
  enabled?: boolean
}

/** What a caller gives to register an instance; everything but the service name has a default. */
export interface ServiceInstanceInput<P = unknown> {
  /** Default: a random UUID, as Curator's builder. */
  id?: string
  /** Default null (Curator's builder guesses a local IP; give one explicitly). */
  address?: string | null
  port?: number | null
  sslPort?: number | null
  payload?: P | null
  /** Default: now. */
  registrationTimeUTC?: number
  /** Default `'DYNAMIC'`: an ephemeral node that lives with the session. */
  serviceType?: ServiceType
  /** A template string (`'{scheme}://{address}:{port}'`) or its parsed form. */
  uriSpec?: string | UriSpec | null
  /** Written only when given (Curator's default serializer omits it). */
  enabled?: boolean
}

/**
 * Builds a full instance record from a service name and the caller's fields, checking them.
 *
 * @example
 * ```ts
 * const instance = serviceInstance('api', { address: '10.0.0.7', port: 8080, uriSpec: '{scheme}://{address}:{port}' })
 * ```
 */
export function serviceInstance<P>(name: string, input: ServiceInstanceInput<P> = {}): ServiceInstance<P> {
  checkName(name, 'service name')
  checkOptions(input, INPUT_KEYS, 'service instance', INPUT_HINTS)
  checkBoolean(input.enabled, 'enabled', 'service instance')
  if (input.address !== undefined && input.address !== null && typeof input.address !== 'string') throw new InvalidArgumentError(`service instance: address must be a string or null, got ${describe(input.address)}`)
  if (input.registrationTimeUTC !== undefined && !Number.isSafeInteger(input.registrationTimeUTC)) throw new InvalidArgumentError(`service instance: registrationTimeUTC must be ms since the epoch, got ${describe(input.registrationTimeUTC)}`)
  const id = input.id ?? randomUUID()
  checkName(id, 'instance id')
  const serviceType = input.serviceType ?? 'DYNAMIC'
  if (!SERVICE_TYPES.includes(serviceType)) throw new InvalidArgumentError(`serviceType must be one of ${SERVICE_TYPES.join(', ')}, got ${JSON.stringify(serviceType)}`)
  const instance: ServiceInstance<P> = {
    name,
    id,
    address: input.address ?? null,
    port: checkPort(input.port, 'port'),
    sslPort: checkPort(input.sslPort, 'sslPort'),
    payload: input.payload ?? null,
    registrationTimeUTC: input.registrationTimeUTC ?? Date.now(),
    serviceType,
    uriSpec: typeof input.uriSpec === 'string' ? parseUriSpec(input.uriSpec) : input.uriSpec ?? null,
  }
  if (input.enabled !== undefined) instance.enabled = input.enabled
  return instance
}

/**
 * The JSON bytes Curator's `JsonInstanceSerializer` writes for this instance (its default,
 * compatible mode; `enabled` appears only when set).
 *
 * @example
 * ```ts
 * await zk.create('/services/api/1', serializeServiceInstance(instance), { mode: 'ephemeral' })
 * ```
 */
export function serializeServiceInstance(instance: ServiceInstance<unknown>): Buffer {
  // Built key by key: Jackson's field order, so the bytes match a Java writer's.
  const json: Record<string, unknown> = {
    name: instance.name,
    id: instance.id,
    address: instance.address,
    port: instance.port,
    sslPort: instance.sslPort,
    payload: Array.isArray(instance.payload) ? [JAVA_LIST, instance.payload] : instance.payload,
    registrationTimeUTC: instance.registrationTimeUTC,
    serviceType: instance.serviceType,
    uriSpec: instance.uriSpec === null ? null : { parts: instance.uriSpec.parts.map((p) => ({ value: p.value, variable: p.variable })) },
  }
  if (instance.enabled !== undefined) json.enabled = instance.enabled
  return Buffer.from(JSON.stringify(json), 'utf8')
}

/**
 * Reads an instance written by Curator (any version) or by {@link serializeServiceInstance}.
 * Lenient as Jackson is configured there: unknown fields are ignored, missing ones defaulted.
 * Throws {@link InvalidArgumentError} for bytes that are not a JSON object or have fields of the
 * wrong type.
 *
 * @example
 * ```ts
 * const { data } = await zk.getData('/services/api/1')
 * const instance = parseServiceInstance(data)
 * ```
 */
export function parseServiceInstance<P = unknown>(data: Buffer | string): ServiceInstance<P> {
  let json: unknown
  try {
    json = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'))
  } catch (error) {
    throw new InvalidArgumentError(`service instance data is not JSON: ${(error as Error).message}`)
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new InvalidArgumentError('service instance data must be a JSON object')
  const o = json as Record<string, unknown>
  const serviceType = o.serviceType ?? 'DYNAMIC'
  if (!SERVICE_TYPES.includes(serviceType as ServiceType)) throw new InvalidArgumentError(`service instance has an unknown serviceType ${JSON.stringify(serviceType)}`)
  const instance: ServiceInstance<P> = {
    name: field(o, 'name', 'string') ?? '',
    id: field(o, 'id', 'string') ?? '',
    address: field(o, 'address', 'string') ?? null,
    port: field(o, 'port', 'number') ?? null,
    sslPort: field(o, 'sslPort', 'number') ?? null,
    payload: unwrapPayload(o.payload ?? null) as P | null,
    registrationTimeUTC: field(o, 'registrationTimeUTC', 'number') ?? 0,
    serviceType: serviceType as ServiceType,
    uriSpec: parseUriSpecJson(o.uriSpec),
  }
  const enabled = field(o, 'enabled', 'boolean')
  if (enabled !== undefined) instance.enabled = enabled
  return instance
}

/**
 * Parses a URI template as Curator's `UriSpec(String)` does: `{name}` is a variable (trimmed),
 * anything else literal text.
 *
 * @example
 * ```ts
 * parseUriSpec('{scheme}://{address}:{port}').parts[1] // { value: '://', variable: false }
 * ```
 */
export function parseUriSpec(raw: string): UriSpec {
  const parts: UriSpecPart[] = []
  let inside = false
  for (const token of raw.split(/([{}])/)) {
    if (token === '') continue
    if (token === '{') {
      if (inside) throw new InvalidArgumentError(`uriSpec ${JSON.stringify(raw)}: { is not allowed inside of a variable specification`)
      inside = true
    } else if (token === '}') {
      if (!inside) throw new InvalidArgumentError(`uriSpec ${JSON.stringify(raw)}: } must be preceded by {`)
      inside = false
    } else {
      parts.push({ value: inside ? token.trim() : token, variable: inside })
    }
  }
  if (inside) throw new InvalidArgumentError(`uriSpec ${JSON.stringify(raw)}: final variable not closed, expected }`)
  return { parts }
}

/**
 * Builds the instance's URI from its template, as Curator's `ServiceInstance.buildUriSpec`:
 * `scheme` is `https` when there is an `sslPort` (else `http`); `name`, `id`, `address`, `port`,
 * `ssl-port`, `registration-time-utc`, `service-type` come from the instance; `[` and `]` give
 * literal braces; `variables` override them all. Unknown variables become empty.
 *
 * @example
 * ```ts
 * buildUri(instance) // 'http://10.0.0.7:8080'
 * ```
 */
export function buildUri(instance: ServiceInstance<unknown>, variables: Record<string, string | number> = {}): string {
  if (instance.uriSpec === null) return ''
  const values: Record<string, string | number> = {
    '[': '{',
    ']': '}',
    scheme: instance.sslPort !== null ? 'https' : 'http',
    name: instance.name,
    id: instance.id,
    address: instance.address ?? '',
    port: instance.port ?? '',
    'ssl-port': instance.sslPort ?? '',
    'registration-time-utc': instance.registrationTimeUTC,
    'service-type': instance.serviceType.toLowerCase(),
    ...variables,
  }
  return instance.uriSpec.parts.map((p) => (p.variable ? String(values[p.value] ?? '') : p.value)).join('')
}

function parseUriSpecJson(value: unknown): UriSpec | null {
  if (value === null || value === undefined) return null
  const parts = (value as { parts?: unknown }).parts
  if (typeof value !== 'object' || !Array.isArray(parts)) throw new InvalidArgumentError('service instance uriSpec must be {"parts": [...]}')
  return {
    parts: parts.map((p: unknown) => {
      const part = (p ?? {}) as Record<string, unknown>
      return { value: typeof part.value === 'string' ? part.value : '', variable: part.variable === true }
    }),
  }
}

/** The class Jackson names for a Java list; Curator reads `[JAVA_LIST, [...]]` back as a List. */
const JAVA_LIST = 'java.util.ArrayList'

/** A Java class name, as Jackson writes it in a `[className, value]` wrapper. */
const JAVA_CLASS = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+(\[\])?$/

/** Reads a payload as Jackson's typed reader does: `[className, value]` is the value. */
function unwrapPayload(payload: unknown): unknown {
  if (Array.isArray(payload) && payload.length === 2 && typeof payload[0] === 'string' && JAVA_CLASS.test(payload[0])) return payload[1]
  return payload
}

/**
 * One field, with Jackson's scalar coercions (on by default in Curator's ObjectMapper): numeric
 * text to numbers (floats truncated, as ACCEPT_FLOAT_AS_INT), numbers and booleans to text,
 * "true"/"false" to booleans; an empty string is null.
 */
function field<K extends 'string' | 'number' | 'boolean'>(o: Record<string, unknown>, key: string, type: K): (K extends 'string' ? string : K extends 'number' ? number : boolean) | undefined {
  const value = o[key]
  if (value === undefined || value === null) return undefined
  if (typeof value === type) return (type === 'number' ? Math.trunc(value as number) : value) as never
  if (type === 'string' && (typeof value === 'number' || typeof value === 'boolean')) return String(value) as never
  if (type === 'number' && typeof value === 'string') {
    if (value.trim() === '') return undefined
    if (/^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)) return Math.trunc(Number(value)) as never
  }
  if (type === 'boolean' && (value === 'true' || value === 'false')) return (value === 'true') as never
  throw new InvalidArgumentError(`service instance field ${key} must be a ${type}, got ${JSON.stringify(value)}`)
}

function checkName(value: unknown, what: string): void {
  if (typeof value !== 'string' || value === '' || value.includes('/') || value === '.' || value === '..') {
    throw new InvalidArgumentError(`${what} must be a non-empty string without "/", usable as a node name; got ${JSON.stringify(value)}`)
  }
}

function checkPort(port: number | null | undefined, what: string): number | null {
  if (port === undefined || port === null) return null
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError(`${what} must be an integer from 0 to 65535, got ${describe(port)}${numericStringHint(port)}`)
  return port
}
