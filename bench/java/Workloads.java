import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * The workloads of bench/workloads/*.ts for the Java client, each the way a Java user would write
 * it: the synchronous API where the Node version awaits each call (W1, W4), the asynchronous
 * callbacks where it keeps a window in flight. Counts, windows, node names and figure names are
 * those of the TypeScript versions, so the tables put the three clients side by side.
 */
final class Workloads {
  private final ZkBench b;

  Workloads(ZkBench bench) {
    this.b = bench;
  }

  Map<String, Object> run(String id) throws Exception {
    switch (id) {
      case "W1": return w1();
      case "W2": return w2();
      case "W2-TLS": return w2(); // the same W2; the TLS settings come as -D properties
      case "W3": return w3();
      case "W4": return w4();
      case "W5": return w5();
      case "large": return large();
      case "rearm": return rearm();
      default: throw new IllegalArgumentException("the Java peer has no workload " + id);
    }
  }

  private String data() {
    return b.root + "/data";
  }

  /** W1: 5,000 getData, one at a time; ops/s, p50 and p99 in µs. */
  private Map<String, Object> w1() throws Exception {
    ZooKeeper zk = b.connect();
    String path = data();
    int count = b.scaled(5_000, 50);
    for (int i = 0, n = b.scaled(1_000, 20); i < n; i++) zk.getData(path, false, null);
    double[] latencies = new double[count];
    ZkBench.Measured m = b.measure(() -> {
      for (int i = 0; i < count; i++) {
        long t0 = System.nanoTime();
        zk.getData(path, false, null);
        latencies[i] = (System.nanoTime() - t0) / 1e3;
      }
    });
    zk.close();
    Map<String, Object> f = b.throughput(count, m);
    f.put("p50Us", ZkBench.quantile(latencies, 0.5));
    f.put("p99Us", ZkBench.quantile(latencies, 0.99));
    return f;
  }

  /** W2: 100,000 getData, 1,000 in flight. */
  private Map<String, Object> w2() throws Exception {
    ZooKeeper zk = b.connect();
    String path = data();
    int count = b.scaled(100_000, 1_000);
    ZkBench.Op read = (i, done) -> zk.getData(path, false, (rc, p, ctx, bytes, stat) -> done.complete(rc), null);
    ZkBench.pipelined(b.scaled(20_000, 1_000), 1_000, read, 60_000, "W2 warm-up");
    ZkBench.Measured m = b.measure(() -> ZkBench.pipelined(count, 1_000, read, 120_000, "W2"));
    zk.close();
    return b.throughput(count, m);
  }

  private static final byte[] PAYLOAD = filled(100, 'x');

  private static byte[] filled(int n, char c) {
    byte[] a = new byte[n];
    java.util.Arrays.fill(a, (byte) c);
    return a;
  }

  private static String child(String parent, int i) {
    return String.format("%s/n%06d", parent, i);
  }

  private static void createAll(ZooKeeper zk, String parent, int count, String what) throws Exception {
    ZkBench.pipelined(count, 1_000, (i, done) -> zk.create(child(parent, i), PAYLOAD, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT, (rc, p, ctx, name) -> done.complete(rc), null), 180_000, what);
  }

  private static void deleteAll(ZooKeeper zk, String parent, int count, String what) throws Exception {
    ZkBench.pipelined(count, 1_000, (i, done) -> zk.delete(child(parent, i), -1, (rc, p, ctx) -> done.complete(rc), null), 180_000, what);
  }

  /** W3: 20,000 creates of 100-byte nodes under one parent, 1,000 in flight; then 20,000 deletes. */
  private Map<String, Object> w3() throws Exception {
    ZooKeeper zk = b.connect();
    int count = b.scaled(20_000, 1_000);
    String tag = "java-r" + b.round + "-" + ProcessHandle.current().pid();
    String warm = b.root + "/w3-warm-" + tag;
    String parent = b.root + "/w3-" + tag;
    zk.create(warm, PAYLOAD, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    int warmCount = b.scaled(2_000, 200);
    createAll(zk, warm, warmCount, "W3 warm-up creates");
    deleteAll(zk, warm, warmCount, "W3 warm-up deletes");
    zk.delete(warm, -1);
    zk.create(parent, PAYLOAD, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    ZkBench.Measured creates = b.measure(() -> createAll(zk, parent, count, "W3 creates"));
    ZkBench.Measured deletes = b.measure(() -> deleteAll(zk, parent, count, "W3 deletes"));
    zk.delete(parent, -1);
    zk.close();
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("ops", count);
    f.put("createOpsPerSec", count / (creates.wallMs / 1000));
    f.put("deleteOpsPerSec", count / (deletes.wallMs / 1000));
    f.put("createCpuUsPerOp", creates.cpuUs / count);
    f.put("deleteCpuUsPerOp", deletes.cpuUs / count);
    f.put("serverCpuPct", creates.serverCpuPct);
    f.putAll(b.serverFigures(count, creates, "create"));
    f.putAll(b.serverFigures(count, deletes, "delete"));
    return f;
  }

  /** W4: 200 getChildren of a node with 10,000 children, one at a time. */
  private Map<String, Object> w4() throws Exception {
    ZooKeeper zk = b.connect();
    String parent = b.root + "/w4";
    int count = b.scaled(200, 10);
    for (int i = 0, n = b.scaled(20, 5); i < n; i++) {
      List<String> children = zk.getChildren(parent, false);
      if (children.size() != 10_000) throw new IllegalStateException(parent + " does not have 10000 children; run the set-up");
    }
    ZkBench.Measured m = b.measure(() -> {
      for (int i = 0; i < count; i++) zk.getChildren(parent, false);
    });
    zk.close();
    return b.throughput(count, m);
  }

  /** Fan-outs W5 measures by default, as the Node workload does (bench/workloads/w5.ts). */
  private static final int W5_CYCLES = 5;

  /** W5: A watches 1,000 nodes, B sets them all; first setData to A's 1,000th notification. */
  private Map<String, Object> w5() throws Exception {
    int count = b.scaled(1_000, 100);
    int cycles = b.flagInt("cycles", W5_CYCLES);
    String[] paths = new String[count];
    for (int i = 0; i < count; i++) paths[i] = String.format("%s/w5/n%04d", b.root, i);
    ZooKeeper a = b.connect();
    ZooKeeper writer = b.connect();
    fanOut(a, writer, paths, null); // warm-up
    double[] total = new double[cycles];
    double[] first = new double[cycles];
    double[] lastReply = new double[cycles];
    double cpuUs = 0;
    Double serverCpuPct = null;
    for (int c = 0; c < cycles; c++) {
      double[] t = new double[3];
      ZkBench.Measured m = fanOut(a, writer, paths, t);
      total[c] = t[0];
      first[c] = t[1];
      lastReply[c] = t[2];
      cpuUs += m.cpuUs;
      serverCpuPct = m.serverCpuPct;
    }
    a.close();
    writer.close();
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("nodes", count);
    f.put("fanOutMs", ZkBench.median(total));
    f.put("firstNotificationMs", ZkBench.median(first));
    f.put("lastSetDataReplyMs", ZkBench.median(lastReply));
    f.put("cycles", cycles);
    f.put("cpuUsPerNotification", cpuUs / ((double) count * cycles));
    f.put("serverCpuPct", serverCpuPct);
    return f;
  }

  /** One fan-out; with `times`, measured: {total, first notification, last setData reply} in ms. */
  private ZkBench.Measured fanOut(ZooKeeper a, ZooKeeper writer, String[] paths, double[] times) throws Exception {
    int n = paths.length;
    AtomicInteger heard = new AtomicInteger();
    AtomicLong firstHeardAt = new AtomicLong();
    AtomicLong lastHeardAt = new AtomicLong();
    CountDownLatch allHeard = new CountDownLatch(1);
    Watcher watcher = event -> {
      if (event.getType() != Watcher.Event.EventType.NodeDataChanged) return;
      long now = System.nanoTime();
      int h = heard.incrementAndGet();
      if (h == 1) firstHeardAt.set(now);
      if (h == n) {
        lastHeardAt.set(now);
        allHeard.countDown();
      }
    };
    ZkBench.pipelined(n, n, (i, done) -> a.getData(paths[i], watcher, (rc, p, ctx, data, stat) -> done.complete(rc), null), 60_000, "W5 arming watches");
    long[] firstAt = new long[1];
    long[] lastReplyAt = new long[1];
    ZkBench.Phase phase = () -> {
      firstAt[0] = System.nanoTime();
      ZkBench.pipelined(n, n, (i, done) -> writer.setData(paths[i], PAYLOAD, -1, (rc, p, ctx, stat) -> done.complete(rc), null), 60_000, "W5 setData");
      lastReplyAt[0] = System.nanoTime();
      if (!allHeard.await(60, TimeUnit.SECONDS)) throw new IllegalStateException("W5: " + heard.get() + " of " + n + " notifications after 60 s");
    };
    if (times == null) {
      phase.run();
      return null;
    }
    ZkBench.Measured m = b.measure(phase);
    times[0] = (lastHeardAt.get() - firstAt[0]) / 1e6;
    times[1] = (firstHeardAt.get() - firstAt[0]) / 1e6;
    times[2] = (lastReplyAt[0] - firstAt[0]) / 1e6;
    return m;
  }

  /**
   * Large payloads: 1,000 setData of 500,000 bytes, 10 in flight. The JVM has no event loop; its
   * analogue of a stall is a pause of every thread (GC, safepoints), read here as the longest
   * interval of a thread that sleeps 2 ms at a time.
   */
  private Map<String, Object> large() throws Exception {
    int window = b.flagInt("window", 10);
    int count = b.scaled(1_000, 50);
    ZooKeeper zk = b.connect();
    String path = b.root + "/large";
    byte[] payload = filled(500_000, 'a');
    ZkBench.Op write = (i, done) -> zk.setData(path, payload, -1, (rc, p, ctx, stat) -> done.complete(rc), null);
    ZkBench.pipelined(b.scaled(50, 10), window, write, 60_000, "large warm-up");
    AtomicLong longestNs = new AtomicLong();
    Thread ticker = new Thread(() -> {
      long last = System.nanoTime();
      while (!Thread.currentThread().isInterrupted()) {
        try {
          Thread.sleep(2);
        } catch (InterruptedException e) {
          return;
        }
        long now = System.nanoTime();
        longestNs.accumulateAndGet(now - last, Math::max);
        last = now;
      }
    });
    ticker.setDaemon(true);
    ZkBench.Measured m = b.measure(() -> {
      ticker.start();
      try {
        ZkBench.pipelined(count, window, write, 240_000, "large setData");
      } finally {
        ticker.interrupt();
      }
    });
    zk.close();
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("ops", count);
    f.put("window", window);
    f.put("opsPerSec", count / (m.wallMs / 1000));
    f.put("mbPerSec", count * 500_000 / 1e6 / (m.wallMs / 1000));
    f.put("cpuUsPerOp", m.cpuUs / count);
    f.put("stallMaxMs", longestNs.get() / 1e6);
    f.put("serverCpuPct", m.serverCpuPct);
    f.putAll(b.serverFigures(count, m, ""));
    return f;
  }

  /**
   * 100,000 existence watches through a FaultProxy that bench/workloads/rearm.ts runs: after
   * arming, this prints ARMED and waits; the driver cuts the connection, waits for the server to
   * drop the watches, opens the proxy again and writes OPEN. The figures are those of rearm.ts.
   */
  private Map<String, Object> rearm() throws Exception {
    int count = b.flagInt("watches", b.scaled(100_000, 1_000));
    long base = b.totalWatches();
    AtomicLong reconnectedAt = new AtomicLong();
    AtomicLong firstReplyAt = new AtomicLong();
    AtomicInteger reconnections = new AtomicInteger();
    AtomicInteger fired = new AtomicInteger();
    CountDownLatch reconnected = new CountDownLatch(1);
    boolean[] disconnected = new boolean[1];
    ZooKeeper[] zk = new ZooKeeper[1];
    zk[0] = b.connect(b.connect, event -> {
      Watcher.Event.KeeperState state = event.getState();
      if (state == Watcher.Event.KeeperState.Disconnected) disconnected[0] = true;
      if (state == Watcher.Event.KeeperState.SyncConnected && disconnected[0]) {
        reconnections.incrementAndGet();
        if (reconnectedAt.get() != 0) return;
        reconnectedAt.set(System.nanoTime());
        zk[0].exists(b.root, false, (rc, p, ctx, stat) -> firstReplyAt.set(System.nanoTime()), null);
        reconnected.countDown();
      }
    });
    String[] paths = new String[count];
    long pid = ProcessHandle.current().pid();
    for (int i = 0; i < count; i++) paths[i] = String.format("%s/rearm-java-%d/absent-%06d", b.root, pid, i);
    Watcher watcher = event -> {
      if (event.getType() != Watcher.Event.EventType.None) fired.incrementAndGet();
    };
    ZkBench.pipelined(1_000, 1_000, (i, done) -> zk[0].exists(b.root + "/warm-" + i, false, (rc, p, ctx, stat) -> done.complete(0), null), 30_000, "rearm warm-up");
    long heapBefore = ZkBench.heapAfterGc();
    long armStart = System.nanoTime();
    // NONODE is the expected answer: the watch is an existence watch on an absent node.
    ZkBench.pipelined(count, 1_000, (i, done) -> zk[0].exists(paths[i], watcher, (rc, p, ctx, stat) -> done.complete(0), null), 120_000, "arming watches");
    double armMs = (System.nanoTime() - armStart) / 1e6;
    long heapAfter = ZkBench.heapAfterGc();
    if (!pollWatches(n -> n >= base + count, 10_000)) throw new IllegalStateException("the server does not hold the " + count + " watches after arming");
    System.out.println("ARMED");
    System.out.flush();
    String line = ZkBench.readLine();
    if (!"OPEN".equals(line)) throw new IllegalStateException("expected OPEN from the proxy driver, got " + line);
    long[] rearmedAt = new long[1];
    long[] polls = new long[1];
    long[] last = new long[1];
    ZkBench.Measured m = b.measure(() -> {
      if (!reconnected.await(20, TimeUnit.SECONDS)) throw new IllegalStateException("reconnection: not done within 20000 ms");
      long deadline = System.nanoTime() + 15_000_000_000L;
      while (System.nanoTime() < deadline) {
        polls[0]++;
        last[0] = b.totalWatches();
        if (last[0] >= base + count) {
          rearmedAt[0] = System.nanoTime();
          return;
        }
        Thread.sleep(5);
      }
    });
    if (firstReplyAt.get() == 0) Thread.sleep(100);
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("watches", count);
    f.put("heapBytesPerWatch", (heapAfter - heapBefore) / (double) count);
    f.put("armMs", armMs);
    f.put("rearmMs", rearmedAt[0] == 0 ? null : (rearmedAt[0] - reconnectedAt.get()) / 1e6);
    f.put("rearmedWatches", last[0] - base);
    f.put("firstReplyMs", firstReplyAt.get() == 0 ? null : (firstReplyAt.get() - reconnectedAt.get()) / 1e6);
    f.put("wchsPolls", polls[0]);
    f.put("reconnections", reconnections.get());
    f.put("watchesFiredMeanwhile", fired.get());
    f.put("cpuMsDuringRearm", m.cpuUs / 1000);
    f.put("note", rearmedAt[0] == 0 ? "not re-armed within 15000 ms: the server holds " + (last[0] - base) + " of " + count : "");
    zk[0].close();
    return f;
  }

  interface Check {
    boolean ok(long total);
  }

  private boolean pollWatches(Check ok, long boundMs) throws Exception {
    long deadline = System.nanoTime() + boundMs * 1_000_000;
    while (System.nanoTime() < deadline) {
      if (ok.ok(b.totalWatches())) return true;
      Thread.sleep(5);
    }
    return false;
  }
}
