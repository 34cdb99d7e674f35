/**
 * Line-driven peers for the data recipe interop suite: the real Curator 5.4.0 (SharedCount,
 * DistributedAtomicLong, DistributedQueue, GroupMember) and kazoo 2.8.0 (Counter, Party).
 * Each command prints one line; failures print `error <message>`.
 */
import { type Peer, startJava, startPython } from '../support/interop.js'

const JAVA = String.raw`
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.*;
import java.util.concurrent.*;
import org.apache.curator.framework.*;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.framework.recipes.shared.SharedCount;
import org.apache.curator.framework.recipes.atomic.*;
import org.apache.curator.framework.recipes.queue.*;
import org.apache.curator.framework.recipes.nodes.GroupMember;

public class DataPeer {
  static final QueueSerializer<String> STRINGS = new QueueSerializer<String>() {
    public byte[] serialize(String s) { return s.getBytes(StandardCharsets.UTF_8); }
    public String deserialize(byte[] b) { return new String(b, StandardCharsets.UTF_8); }
  };

  public static void main(String[] args) throws Exception {
    CuratorFramework client = CuratorFrameworkFactory.newClient(args[0], 10000, 10000, new RetryNTimes(20, 100));
    client.start();
    client.blockUntilConnected(20, TimeUnit.SECONDS);
    Map<String, SharedCount> counts = new HashMap<>();
    Map<String, GroupMember> members = new HashMap<>();
    BlockingQueue<String> consumed = new LinkedBlockingQueue<>();
    List<DistributedQueue<String>> queues = new ArrayList<>();
    System.out.println("ready");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] a = line.split(" ", 4);
      try {
        switch (a[0]) {
          case "sc-get": {
            SharedCount c = counts.get(a[1]);
            if (c == null) { c = new SharedCount(client, a[1], Integer.parseInt(a[2])); c.start(); counts.put(a[1], c); }
            System.out.println("count " + c.getCount());
            break;
          }
          case "sc-incr": {
            SharedCount c = counts.get(a[1]);
            for (;;) { org.apache.curator.framework.recipes.shared.VersionedValue<Integer> v = c.getVersionedValue(); if (c.trySetCount(v, v.getValue() + 1)) break; Thread.sleep(5); }
            System.out.println("count " + c.getCount());
            break;
          }
          case "dal-get": {
            AtomicValue<Long> v = new DistributedAtomicLong(client, a[1], new RetryNTimes(50, 5)).get();
            System.out.println("long " + v.succeeded() + " " + v.postValue());
            break;
          }
          case "dal-add": {
            AtomicValue<Long> v = new DistributedAtomicLong(client, a[1], new RetryNTimes(200, 5)).add(Long.parseLong(a[2]));
            System.out.println("long " + v.succeeded() + " " + v.preValue() + " " + v.postValue());
            break;
          }
          case "q-put": {
            DistributedQueue<String> q = QueueBuilder.builder(client, null, STRINGS, a[1]).buildQueue();
            q.start();
            for (String item : a[2].split(",")) q.put(item);
            q.flushPuts(10, TimeUnit.SECONDS);
            q.close();
            System.out.println("put");
            break;
          }
          case "q-consume": {
            QueueConsumer<String> consumer = new QueueConsumer<String>() {
              public void consumeMessage(String m) { consumed.add(m); }
              public void stateChanged(CuratorFramework c, ConnectionState s) {}
            };
            DistributedQueue<String> q = QueueBuilder.builder(client, consumer, STRINGS, a[1]).lockPath(a[2]).buildQueue();
            q.start();
            queues.add(q);
            System.out.println("consuming");
            break;
          }
          case "q-take": {
            int n = Integer.parseInt(a[1]);
            List<String> got = new ArrayList<>();
            while (got.size() < n) { String m = consumed.poll(15, TimeUnit.SECONDS); if (m == null) break; got.add(m); }
            System.out.println("items " + String.join(",", got));
            break;
          }
          case "gm-join": {
            GroupMember m = new GroupMember(client, a[1], a[2], a[3].getBytes(StandardCharsets.UTF_8));
            m.start();
            members.put(a[2], m);
            System.out.println("joined");
            break;
          }
          case "gm-members": {
            GroupMember m = members.get(a[1]);
            TreeMap<String, String> sorted = new TreeMap<>();
            for (Map.Entry<String, byte[]> e : m.getCurrentMembers().entrySet()) sorted.put(e.getKey(), new String(e.getValue(), StandardCharsets.UTF_8));
            System.out.println("members " + sorted);
            break;
          }
          default: System.out.println("error unknown command " + a[0]);
        }
      } catch (Exception e) {
        System.out.println("error " + e);
      }
    }
    for (DistributedQueue<String> q : queues) q.close();
    for (SharedCount c : counts.values()) c.close();
    for (GroupMember m : members.values()) m.close();
    client.close();
  }
}
`

const PYTHON = String.raw`
import sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1])
zk.start(timeout=20)
counters = {}
parties = {}
print("ready", flush=True)
for line in sys.stdin:
    a = line.strip().split(" ")
    try:
        if a[0] == "counter-get":
            c = counters.setdefault(a[1], zk.Counter(a[1], support_curator=True))
            c._ensure_node()
            print("count %d" % c.value, flush=True)
        elif a[0] == "counter-add":
            c = counters.setdefault(a[1], zk.Counter(a[1], support_curator=True))
            c += int(a[2])
            print("count %d" % c.post_value, flush=True)
        elif a[0] == "party-join":
            p = zk.Party(a[1], a[2])
            p.join()
            parties[a[2]] = p
            print("joined", flush=True)
        elif a[0] == "party-list":
            print("party " + ",".join(sorted(zk.Party(a[1]))), flush=True)
        else:
            print("error unknown command", flush=True)
    except Exception as e:
        print("error %r" % (e,), flush=True)
zk.stop()
`

/** Starts the Curator peer on `connectString` and waits until it is connected. */
export async function startCurator(connectString: string): Promise<Peer> {
  const peer = startJava('DataPeer', JAVA, [connectString])
  await peer.expect('ready', 60_000)
  return peer
}

/** Starts the kazoo peer on `connectString` and waits until it is connected. */
export async function startKazoo(connectString: string): Promise<Peer> {
  const peer = startPython(PYTHON, [connectString])
  await peer.expect('ready', 30_000)
  return peer
}
