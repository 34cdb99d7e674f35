import { describe, expect, test } from 'vitest'
import { InvalidArgumentError, buildUri, parseServiceInstance, parseUriSpec, randomPicker, roundRobinPicker, serializeServiceInstance, serviceInstance } from '../../src/index.js'

// Golden strings: what Curator's own JsonInstanceSerializer (apache/curator 88dee99, Jackson 2.14)
// writes for the instances built in fixtures/curator-json/Gen.java (run generate.sh to redo).
const CURATOR = {
  // TestJsonInstanceSerializer's instance, default (compatible) serializer: no "enabled".
  basic: '{"name":"name","id":"id","address":"address","port":10,"sslPort":20,"payload":"payload","registrationTimeUTC":0,"serviceType":"DYNAMIC","uriSpec":{"parts":[{"value":"a","variable":true},{"value":"/b/","variable":false},{"value":"c","variable":true}]}}',
  // compatibleSerializationMode = false: "enabled" is written last.
  staticDisabled: '{"name":"api","id":"i-1","address":"10.0.0.7","port":8080,"sslPort":null,"payload":null,"registrationTimeUTC":1325129459728,"serviceType":"STATIC","uriSpec":{"parts":[{"value":"scheme","variable":true},{"value":"://","variable":false},{"value":"address","variable":true},{"value":":","variable":false},{"value":"port","variable":true}]},"enabled":false}',
  // A Map payload carries Jackson's "@class" (the payload getter has @JsonTypeInfo(use = CLASS)).
  mapPayload: '{"name":"api","id":"i-2","address":null,"port":null,"sslPort":8443,"payload":{"@class":"java.util.LinkedHashMap","zone":"eu-1","weight":3},"registrationTimeUTC":5,"serviceType":"DYNAMIC_SEQUENTIAL","uriSpec":null,"enabled":true}',
  intPayload: '{"name":"api","id":"i-3","address":"h","port":1,"sslPort":null,"payload":42,"registrationTimeUTC":7,"serviceType":"PERMANENT","uriSpec":null}',
}

describe('service instance JSON (Curator compatible)', () => {
  test('writes byte for byte what Curator writes', () => {
    const basic = serviceInstance('name', { id: 'id', address: 'address', port: 10, sslPort: 20, payload: 'payload', registrationTimeUTC: 0, uriSpec: '{a}/b/{c}' })
    expect(serializeServiceInstance(basic).toString()).toBe(CURATOR.basic)
    const disabled = serviceInstance('api', { id: 'i-1', address: '10.0.0.7', port: 8080, registrationTimeUTC: 1325129459728, serviceType: 'STATIC', uriSpec: '{scheme}://{address}:{port}', enabled: false })
    expect(serializeServiceInstance(disabled).toString()).toBe(CURATOR.staticDisabled)
    const map = serviceInstance('api', { id: 'i-2', sslPort: 8443, payload: { '@class': 'java.util.LinkedHashMap', zone: 'eu-1', weight: 3 }, registrationTimeUTC: 5, serviceType: 'DYNAMIC_SEQUENTIAL', enabled: true })
    expect(serializeServiceInstance(map).toString()).toBe(CURATOR.mapPayload)
    const int = serviceInstance('api', { id: 'i-3', address: 'h', port: 1, payload: 42, registrationTimeUTC: 7, serviceType: 'PERMANENT' })
    expect(serializeServiceInstance(int).toString()).toBe(CURATOR.intPayload)
  })

  test('reads what Curator writes, and round-trips it unchanged', () => {
    for (const json of Object.values(CURATOR)) {
      const instance = parseServiceInstance(Buffer.from(json))
      expect(serializeServiceInstance(instance).toString()).toBe(json)
    }
    const map = parseServiceInstance<{ zone: string }>(CURATOR.mapPayload)
    expect(map).toMatchObject({ name: 'api', id: 'i-2', address: null, sslPort: 8443, serviceType: 'DYNAMIC_SEQUENTIAL', enabled: true, payload: { zone: 'eu-1' } })
  })

  test('reads leniently as Jackson does: unknown fields ignored, missing ones defaulted', () => {
    expect(parseServiceInstance('{}')).toEqual({ name: '', id: '', address: null, port: null, sslPort: null, payload: null, registrationTimeUTC: 0, serviceType: 'DYNAMIC', uriSpec: null })
    expect(parseServiceInstance('{"id":"x","future":{"a":1}}').id).toBe('x')
    expect(() => parseServiceInstance('not json')).toThrow(InvalidArgumentError)
    expect(() => parseServiceInstance('[1]')).toThrow(InvalidArgumentError)
    // Numeric text is a number to Jackson (scalar coercion), other text is not.
    expect(parseServiceInstance('{"port":"80"}').port).toBe(80)
    expect(() => parseServiceInstance('{"port":"http"}')).toThrow(/port must be a number/)
    expect(() => parseServiceInstance('{"serviceType":"EPHEMERAL"}')).toThrow(/unknown serviceType/)
  })

  test('defaults: a random UUID id, now, DYNAMIC, and no enabled field', () => {
    const before = Date.now()
    const instance = serviceInstance('api')
    expect(instance.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(instance.registrationTimeUTC).toBeGreaterThanOrEqual(before)
    expect(instance.serviceType).toBe('DYNAMIC')
    expect('enabled' in instance).toBe(false)
    expect(() => serviceInstance('a/b')).toThrow(InvalidArgumentError)
    expect(() => serviceInstance('api', { port: 70000 })).toThrow(/port/)
  })

  test('uriSpec parses and builds as Curator UriSpec does', () => {
    expect(parseUriSpec('{ scheme }://x{[}{]}').parts).toEqual([
      { value: 'scheme', variable: true },
      { value: '://x', variable: false },
      { value: '[', variable: true },
      { value: ']', variable: true },
    ])
    expect(() => parseUriSpec('{a')).toThrow(/not closed/)
    expect(() => parseUriSpec('a}')).toThrow(/preceded/)
    expect(() => parseUriSpec('{a{b}}')).toThrow(/not allowed/)
    const plain = serviceInstance('api', { id: 'i', address: 'h', port: 80, uriSpec: '{scheme}://{address}:{port}/{name}/{id}{[}x{]}{service-type}{nope}' })
    expect(buildUri(plain)).toBe('http://h:80/api/i{x}dynamic')
    const tls = serviceInstance('api', { address: 'h', sslPort: 443, uriSpec: '{scheme}://{address}:{ssl-port}{path}' })
    expect(buildUri(tls, { path: '/v1' })).toBe('https://h:443/v1')
    expect(buildUri(serviceInstance('api'))).toBe('')
  })

  test('pickers skip disabled instances; round-robin takes each in turn', () => {
    const list = ['a', 'b', 'c'].map((id) => serviceInstance('api', { id }))
    list.push(serviceInstance('api', { id: 'd', enabled: false }))
    const next = roundRobinPicker()
    expect([1, 2, 3, 4, 5, 6].map(() => next(list)?.id)).toEqual(['a', 'b', 'c', 'a', 'b', 'c'])
    expect(next([])).toBeUndefined()
    let r = 0
    const random = randomPicker(() => [0, 0.5, 0.99][r++ % 3]!)
    expect([1, 2, 3].map(() => random(list)?.id)).toEqual(['a', 'b', 'c'])
  })
})
