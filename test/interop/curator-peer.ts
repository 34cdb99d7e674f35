/**
 * A line-driven Curator 5.4.0 peer for the lock interop suites. Commands (one per line):
 *   lock|rlock|wlock <key> <path> <ms>   acquire InterProcessMutex / the read or write half of an
 *                                        InterProcessReadWriteLock, in a thread of its own; prints
 *                                        "acquired <key>" or "timeout <key>"
 *   sem <key> <path> <max> <ms>          InterProcessSemaphoreV2 lease; same answers
 *   unlock <key>                         releases (in the acquiring thread, as Curator requires); "released <key>"
 *   select <key> <path> <id>             a LeaderSelector (no autoRequeue): "leader <key>" when it leads
 *   resign <key>                         returns from takeLeadership: "resigned <key>"
 *   bset <path> | bremove <path>         DistributedBarrier setBarrier / removeBarrier: "done"
 *   bwait <key> <path> <ms>              waitOnBarrier in a thread: "passed <key>" or "timeout <key>"
 *   denter <key> <path> <n> <ms>         DistributedDoubleBarrier enter in a thread: "entered <key>" / "timeout <key>"
 *   dleave <key> <ms>                    leave (after enter): "left <key>" / "timeout <key>"
 */
export const CURATOR_PEER = String.raw`
import java.io.*;
import java.util.*;
import java.util.concurrent.*;
import org.apache.curator.framework.*;
import org.apache.curator.framework.recipes.barriers.*;
import org.apache.curator.framework.recipes.leader.*;
import org.apache.curator.framework.recipes.locks.*;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.RetryNTimes;

public class CuratorPeer {
  static final Map<String, CountDownLatch> releases = new ConcurrentHashMap<>();
  static final Map<String, DistributedDoubleBarrier> doubles = new ConcurrentHashMap<>();
  static synchronized void out(String s) { System.out.println(s); System.out.flush(); }

  public static void main(String[] args) throws Exception {
    CuratorFramework client = CuratorFrameworkFactory.newClient(args[0], 10000, 5000, new RetryNTimes(10, 200));
    client.start();
    client.blockUntilConnected();
    out("ready");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    String line;
    while ((line = in.readLine()) != null) {
      String[] a = line.trim().split(" ");
      switch (a[0]) {
        case "lock": case "rlock": case "wlock": {
          InterProcessMutex lock;
          if (a[0].equals("lock")) lock = new InterProcessMutex(client, a[2]);
          else {
            InterProcessReadWriteLock rw = new InterProcessReadWriteLock(client, a[2]);
            lock = a[0].equals("rlock") ? rw.readLock() : rw.writeLock();
          }
          hold(a[1], () -> lock.acquire(Long.parseLong(a[3]), TimeUnit.MILLISECONDS), () -> lock.release());
          break;
        }
        case "sem": {
          InterProcessSemaphoreV2 sem = new InterProcessSemaphoreV2(client, a[2], Integer.parseInt(a[3]));
          Lease[] lease = new Lease[1];
          hold(a[1], () -> (lease[0] = sem.acquire(Long.parseLong(a[4]), TimeUnit.MILLISECONDS)) != null, () -> lease[0].close());
          break;
        }
        case "unlock": case "resign": {
          CountDownLatch latch = releases.remove(a[1]);
          if (latch != null) latch.countDown(); else out("unknown " + a[1]);
          break;
        }
        case "select": {
          String key = a[1];
          LeaderSelector selector = new LeaderSelector(client, a[2], new LeaderSelectorListenerAdapter() {
            public void takeLeadership(CuratorFramework c) throws Exception {
              CountDownLatch latch = new CountDownLatch(1);
              releases.put(key, latch);
              out("leader " + key);
              latch.await();
              out("resigned " + key);
            }
          });
          selector.setId(a[3]);
          selector.start();
          break;
        }
        case "bset": new DistributedBarrier(client, a[1]).setBarrier(); out("done"); break;
        case "bremove": new DistributedBarrier(client, a[1]).removeBarrier(); out("done"); break;
        case "bwait": {
          DistributedBarrier b = new DistributedBarrier(client, a[2]);
          background(a[1], "passed", () -> b.waitOnBarrier(Long.parseLong(a[3]), TimeUnit.MILLISECONDS));
          break;
        }
        case "denter": {
          DistributedDoubleBarrier d = new DistributedDoubleBarrier(client, a[2], Integer.parseInt(a[3]));
          doubles.put(a[1], d);
          background(a[1], "entered", () -> d.enter(Long.parseLong(a[4]), TimeUnit.MILLISECONDS));
          break;
        }
        case "dleave": {
          DistributedDoubleBarrier d = doubles.get(a[1]);
          background(a[1], "left", () -> d.leave(Long.parseLong(a[2]), TimeUnit.MILLISECONDS));
          break;
        }
        default: out("unknown command " + a[0]);
      }
    }
    client.close();
  }

  interface Acquire { boolean run() throws Exception; }
  interface Release { void run() throws Exception; }

  static void background(String key, String word, Acquire action) {
    new Thread(() -> {
      try { out((action.run() ? word : "timeout") + " " + key); }
      catch (Exception e) { out("error " + key + " " + e); }
    }).start();
  }

  static void hold(String key, Acquire acquire, Release release) {
    new Thread(() -> {
      try {
        if (!acquire.run()) { out("timeout " + key); return; }
        CountDownLatch latch = new CountDownLatch(1);
        releases.put(key, latch);
        out("acquired " + key);
        latch.await();
        release.run();
        out("released " + key);
      } catch (Exception e) { out("error " + key + " " + e); }
    }).start();
  }
}
`
