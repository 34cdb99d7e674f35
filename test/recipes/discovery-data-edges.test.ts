/**
 * Service discovery's data edges, with Jackson as Curator configures it on the other side:
 * - array payloads are written as Curator writes them (`["java.util.ArrayList",[...]]`), so a
 *   Java reader accepts them, and Java's are read back as plain arrays;
 * - numbers given as strings (`"port":"8080"`) are read as Jackson reads them;
 * - a bad instance node is reported once, not on every child event;
 * - the registry restores an instance node someone deleted while its session lives.
 *
 * The Java side is Debian's Jackson 2.14 reading and writing a bean shaped as Curator's
 * `ServiceInstance` (the same fields and the same `@JsonTypeInfo(use = CLASS, defaultImpl =
 * Object.class)` on the payload, a plain ObjectMapper that ignores unknown properties, as
 * `JsonInstanceSerializer` uses): curator-x-discovery itself is not packaged for Debian.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ServiceDiscovery, ServiceRegistry, mkdirp, parseServiceInstance, serializeServiceInstance, serviceInstance } from '../../src/index.js'
import { type Peer, startJava } from '../support/interop.js'
import { chrootClient, connect, sharedServer } from '../support/zk.js'

const JAVA = `
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.*;

public class JacksonInstance {
  public enum ServiceType { DYNAMIC, STATIC, PERMANENT, DYNAMIC_SEQUENTIAL }
  public static class Inst {
    private final String name; private final String id; private final String address;
    private final Integer port; private final Integer sslPort; private final Object payload;
    private final long registrationTimeUTC; private final ServiceType serviceType; private final Object uriSpec;
    Inst() { this("", "", null, null, null, null, 0, ServiceType.DYNAMIC, null); }
    Inst(String n, String i, String a, Integer p, Integer s, Object pl, long t, ServiceType st, Object u) {
      name = n; id = i; address = a; port = p; sslPort = s; payload = pl; registrationTimeUTC = t; serviceType = st; uriSpec = u;
    }
    public String getName() { return name; }
    public String getId() { return id; }
    public String getAddress() { return address; }
    public Integer getPort() { return port; }
    public Integer getSslPort() { return sslPort; }
    @JsonTypeInfo(use = JsonTypeInfo.Id.CLASS, defaultImpl = Object.class)
    public Object getPayload() { return payload; }
    public long getRegistrationTimeUTC() { return registrationTimeUTC; }
    public ServiceType getServiceType() { return serviceType; }
    public Object getUriSpec() { return uriSpec; }
  }
  public static void main(String[] args) throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    mapper.configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    System.out.println("ready");
    String line;
    while ((line = in.readLine()) != null) {
      try {
        if (line.startsWith("read ")) {
          Inst i = mapper.readValue(Base64.getDecoder().decode(line.substring(5)), Inst.class);
          Map<String, Object> out = new LinkedHashMap<>();
          out.put("id", i.getId());
          out.put("port", i.getPort());
          out.put("payloadClass", i.getPayload() == null ? null : i.getPayload().getClass().getName());
          out.put("payload", i.getPayload());
          System.out.println(new ObjectMapper().writeValueAsString(out));
        } else if (line.equals("writeList")) {
          List<Object> list = new ArrayList<>(Arrays.asList(1, "two", 3.5));
          Inst i = new Inst("api", "java-1", "10.0.0.9", 9000, null, list, 1795313616706L, ServiceType.DYNAMIC, null);
          System.out.println(Base64.getEncoder().encodeToString(mapper.writeValueAsBytes(i)));
        }
      } catch (Exception e) {
        System.out.println("error " + e.getClass().getSimpleName());
      }
    }
  }
}
`

describe('service instance data as Jackson reads and writes it', () => {
  let java: Peer
  beforeAll(async () => {
    java = startJava('JacksonInstance', JAVA, [])
    await java.expect('ready', 60_000)
  }, 120_000)
  afterAll(async () => {
    await java?.kill()
  })

  const read = async (bytes: Buffer): Promise<unknown> => {
    const line = await java.ask(`read ${bytes.toString('base64')}`)
    return line.startsWith('error') ? line : JSON.parse(line)
  }

  it('an array payload is written wrapped and Java reads it as a java.util.ArrayList', async () => {
    const bytes = serializeServiceInstance(serviceInstance('api', { id: 'node-1', port: 8080, payload: ['a', 2, { b: true }] }))
    expect(bytes.toString()).toContain('"payload":["java.util.ArrayList",["a",2,{"b":true}]]')
    expect(await read(bytes)).toEqual({ id: 'node-1', port: 8080, payloadClass: 'java.util.ArrayList', payload: ['a', 2, { b: true }] })
    // A bare array, as zkwire used to write, is what Java refuses (and with it the whole query).
    const bare = Buffer.from(bytes.toString().replace('["java.util.ArrayList",["a",2,{"b":true}]]', '["a",2]'))
    expect(await read(bare)).toMatch(/^error /)
  })

  it('a list payload Java wrote is read back as a plain array', async () => {
    const bytes = Buffer.from(await java.ask('writeList'), 'base64')
    expect(bytes.toString()).toContain('"payload":["java.util.ArrayList",[1,"two",3.5]]')
    const instance = parseServiceInstance(bytes)
    expect(instance.payload).toEqual([1, 'two', 3.5])
    // And written back, it is the same bytes Java wrote.
    expect(serializeServiceInstance(instance).toString()).toBe(bytes.toString())
  })

  it('numbers given as strings are read as Jackson reads them', async () => {
    const json = '{"name":"api","id":"s-1","address":"h","port":"8080","sslPort":"","payload":null,"registrationTimeUTC":"1795313616706","serviceType":"DYNAMIC","uriSpec":null}'
    expect(await read(Buffer.from(json))).toMatchObject({ id: 's-1', port: 8080 })
    const instance = parseServiceInstance(json)
    expect(instance).toMatchObject({ port: 8080, sslPort: null, registrationTimeUTC: 1795313616706 })
    // Text that is not a number is refused on both sides.
    const bad = json.replace('"8080"', '"http"')
    expect(await read(Buffer.from(bad))).toMatch(/^error /)
    expect(() => parseServiceInstance(bad)).toThrow('port must be a number')
    // Other scalar coercions Jackson makes: a number id is text, a float port is truncated.
    const coerced = '{"name":"api","id":7,"port":8080.0,"enabled":"false"}'
    expect(await read(Buffer.from(coerced))).toMatchObject({ id: '7', port: 8080 })
    expect(parseServiceInstance(coerced)).toMatchObject({ id: '7', port: 8080, enabled: false })
  })
})

describe('discovery and registry over the real server', () => {
  it('a bad instance node is reported once, not on every child event, and again only when rewritten', async () => {
    const { client } = await chrootClient()
    const registry = new ServiceRegistry(client)
    const discovery = new ServiceDiscovery(client, 'api')
    const reports: string[] = []
    discovery.on('invalid', ({ path }) => reports.push(path))
    await mkdirp(client, '/services/api/broken', { data: 'not json' })
    await discovery.start()
    expect(reports).toEqual(['/services/api/broken'])
    // Five child events: each instance coming makes the service's children change.
    for (let i = 0; i < 5; i++) {
      const changed = new Promise((resolve) => discovery.once('change', resolve))
      await registry.register('api', { id: `i-${i}`, port: 9000 + i })
      await changed
    }
    expect(discovery.instances.map((i) => i.id)).toEqual(['i-0', 'i-1', 'i-2', 'i-3', 'i-4'])
    expect(reports).toEqual(['/services/api/broken'])
    // A new bad write is a new report; a good one makes it an instance.
    const reported = new Promise((resolve) => discovery.once('invalid', resolve))
    await client.setData('/services/api/broken', '{"serviceType":"dynamic"}')
    await reported
    expect(reports).toHaveLength(2)
    const fixed = new Promise((resolve) => discovery.once('change', resolve))
    await client.setData('/services/api/broken', serializeServiceInstance(serviceInstance('api', { id: 'broken', port: 1 })))
    await fixed
    expect(discovery.instances.map((i) => i.id)).toContain('broken')
    await discovery.close()
    await registry.close()
  })

  it('the registry restores an instance node someone deleted while its session lives', async () => {
    const { client, chroot } = await chrootClient()
    const operator = await connect(sharedServer())
    const registry = new ServiceRegistry(client)
    const restored = new Promise<{ path: string; restored: boolean }>((resolve) => registry.on('registered', (_, details) => details.restored && resolve(details)))
    await registry.register('api', { id: 'api-1', port: 8080 })
    await registry.register('static', { id: 'st-1', port: 1, serviceType: 'STATIC' })
    // An operator's client (another session) deletes the live instance's node.
    await operator.delete(`${chroot}/services/api/api-1`)
    const details = await restored
    expect(details).toEqual({ path: '/services/api/api-1', restored: true })
    const stat = await client.exists('/services/api/api-1')
    expect(stat?.ephemeralOwner).toBe(client.sessionId)
    // A persistent registration comes back too.
    const restoredStatic = new Promise((resolve) => registry.on('registered', (i, d) => i.id === 'st-1' && d.restored && resolve(d)))
    await operator.delete(`${chroot}/services/static/st-1`)
    await restoredStatic
    expect(await client.exists('/services/static/st-1')).not.toBeNull()
    // Unregistering is not undone.
    await registry.unregister('api', 'api-1')
    await client.sync('/services/api')
    expect(await client.exists('/services/api/api-1')).toBeNull()
    expect(registry.pendingOperations).toBe(0)
    await registry.close()
  })
})
