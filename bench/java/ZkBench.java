import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;

/**
 * The Java client (ZooKeeper 3.8.0, the server's own jars) as a peer of zkwire's benchmark: the
 * same workloads as bench/workloads/*.ts, the same counts, node names and figure names, and the
 * same output (BENCH_PHASE marks around each measured phase, one BENCH_RESULT JSON line). The
 * workloads are in {@link Workloads}; this file is the harness: flags, measured phases (wall time,
 * process CPU, the server JVM's CPU and its mntr counters), percentiles and JSON.
 *
 * Run by bench/run.ts (which compiles it with javac against /usr/share/java); by hand:
 *   java -cp <classes>:<jars> ZkBench --workload W2 --connect 127.0.0.1:2181 --root /zkbench-x
 */
public final class ZkBench {
  static final String RESULT_MARK = "BENCH_RESULT ";
  static final String PHASE_MARK = "BENCH_PHASE ";

  final Map<String, String> flags;
  final String workload;
  final String connect;
  final String root;
  final double scale;
  final int round;
  final long serverPid;
  final int clkTck;

  ZkBench(Map<String, String> flags) {
    this.flags = flags;
    this.workload = required(flags, "workload");
    this.connect = required(flags, "connect");
    this.root = required(flags, "root");
    this.scale = Double.parseDouble(flags.getOrDefault("scale", "1"));
    this.round = Integer.parseInt(flags.getOrDefault("round", "1"));
    this.serverPid = Long.parseLong(flags.getOrDefault("server-pid", "-1"));
    this.clkTck = Integer.parseInt(flags.getOrDefault("clk-tck", "100"));
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> flags = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--")) throw new IllegalArgumentException("unexpected argument " + args[i]);
      String name = args[i].substring(2);
      if (i + 1 < args.length && !args[i + 1].startsWith("--")) flags.put(name, args[++i]);
      else flags.put(name, "true");
    }
    ZkBench bench = new ZkBench(flags);
    Map<String, Object> figures = new LinkedHashMap<>();
    String error = null;
    try {
      figures = new Workloads(bench).run(bench.workload);
    } catch (Throwable t) {
      error = t.toString();
      t.printStackTrace();
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("workload", bench.workload);
    result.put("client", "java");
    result.put("round", bench.round);
    result.put("scale", bench.scale);
    result.put("profiled", false);
    result.put("figures", figures);
    result.put("peakRssMb", peakRssMb());
    if (error != null) result.put("error", error);
    System.out.println(RESULT_MARK + json(result));
    System.out.flush();
    // The client's threads are not daemons; a failed close must not keep the JVM alive.
    System.exit(error == null ? 0 : 1);
  }

  static String required(Map<String, String> flags, String name) {
    String v = flags.get(name);
    if (v == null || v.equals("true")) throw new IllegalArgumentException("--" + name + " is required");
    return v;
  }

  /** `count` times the scale, at least `min` (bench/lib/args.ts `scaled`). */
  int scaled(int count, int min) {
    return (int) Math.max(min, Math.round(count * scale));
  }

  int flagInt(String name, int fallback) {
    String v = flags.get(name);
    return v == null ? fallback : Integer.parseInt(v);
  }

  // ---------------------------------------------------------------- sessions

  /** A connected session (bounded wait); `watcher` gets every session event. */
  ZooKeeper connect(String address, Watcher watcher) throws Exception {
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper zk = new ZooKeeper(address, 30_000, event -> {
      if (event.getState() == Watcher.Event.KeeperState.SyncConnected) connected.countDown();
      if (watcher != null) watcher.process(event);
    });
    if (!connected.await(15, TimeUnit.SECONDS)) throw new IllegalStateException("the Java client did not connect to " + address + " within 15 s");
    return zk;
  }

  ZooKeeper connect() throws Exception {
    return connect(connect, null);
  }

  // ---------------------------------------------------------------- pipelined runs

  /** Completion of one asynchronous operation: its result code. */
  interface Done {
    void complete(int rc);
  }

  /** Issues operation `i`; calls `done` when it completes. */
  interface Op {
    void issue(int i, Done done);
  }

  /** `count` operations, at most `window` in flight, the next issued as each completes (bench/lib/measure.ts `pipelined`). */
  static void pipelined(int count, int window, Op op, long timeoutMs, String what) throws Exception {
    if (count <= 0) return;
    CountDownLatch finished = new CountDownLatch(1);
    AtomicInteger issued = new AtomicInteger();
    AtomicInteger completed = new AtomicInteger();
    AtomicReference<String> failure = new AtomicReference<>();
    Done[] self = new Done[1];
    self[0] = rc -> {
      if (rc != 0) {
        failure.compareAndSet(null, what + ": " + KeeperException.Code.get(rc));
        finished.countDown();
        return;
      }
      int c = completed.incrementAndGet();
      int i = issued.getAndIncrement();
      if (i < count) op.issue(i, self[0]);
      else if (c == count) finished.countDown();
    };
    // Completions may already be issuing on the event thread while this loop runs: every index
    // is taken from the one counter, and none at or past `count` is issued.
    for (int k = 0; k < Math.min(window, count); k++) {
      int i = issued.getAndIncrement();
      if (i < count) op.issue(i, self[0]);
    }
    if (!finished.await(timeoutMs, TimeUnit.MILLISECONDS)) throw new IllegalStateException(what + ": " + completed.get() + " of " + count + " done after " + timeoutMs + " ms; giving up");
    if (failure.get() != null) throw new IllegalStateException(failure.get());
  }

  // ---------------------------------------------------------------- measured phases

  /** One measured phase (bench/lib/workload.ts `Measured`). */
  static final class Measured {
    double wallMs;
    double cpuUs;
    double systemUs;
    double clientCpuPct;
    Double serverCpuPct;
    Map<String, Double> mntrBefore;
    Map<String, Double> mntrAfter;
  }

  interface Phase {
    void run() throws Exception;
  }

  /** Runs `phase` as a measured phase: GC first, mntr and CPU before and after, marks around it. */
  Measured measure(Phase phase) throws Exception {
    System.gc();
    Measured m = new Measured();
    m.mntrBefore = mntr();
    System.out.println(PHASE_MARK + "start");
    System.out.flush();
    double serverBefore = serverPid > 0 ? processTicks(serverPid) : Double.NaN;
    long cpuBefore = processCpuNanos();
    double sysBefore = ownSystemTicks();
    long t0 = System.nanoTime();
    phase.run();
    m.wallMs = (System.nanoTime() - t0) / 1e6;
    m.cpuUs = (processCpuNanos() - cpuBefore) / 1e3;
    m.systemUs = (ownSystemTicks() - sysBefore) / clkTck * 1e6;
    double serverAfter = serverPid > 0 ? processTicks(serverPid) : Double.NaN;
    System.out.println(PHASE_MARK + "end");
    System.out.flush();
    m.mntrAfter = m.mntrBefore == null ? null : mntr();
    m.clientCpuPct = m.cpuUs / 1000 / m.wallMs * 100;
    m.serverCpuPct = Double.isNaN(serverAfter - serverBefore) ? null : (serverAfter - serverBefore) / clkTck / (m.wallMs / 1000) * 100;
    return m;
  }

  /** The figures of a throughput phase (bench/lib/workload.ts `throughput`). */
  Map<String, Object> throughput(int ops, Measured m) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("ops", ops);
    f.put("opsPerSec", ops / (m.wallMs / 1000));
    f.put("cpuUsPerOp", m.cpuUs / ops);
    f.put("systemUsPerOp", m.systemUs / ops);
    f.put("clientCpuPct", m.clientCpuPct);
    f.put("serverCpuPct", m.serverCpuPct);
    f.putAll(serverFigures(ops, m, ""));
    return f;
  }

  /** The server's side of a phase (bench/lib/workload.ts `serverFigures`). */
  Map<String, Object> serverFigures(int ops, Measured m, String prefix) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put(name(prefix, "serverCpuUsPerOp"), m.serverCpuPct == null ? null : m.serverCpuPct / 100 * m.wallMs * 1000 / ops);
    if (m.mntrBefore == null || m.mntrAfter == null) return f;
    f.put(name(prefix, "serverQueueMean"), mean(m, "prep_processor_queue_size"));
    f.put(name(prefix, "serverGroupCommitMean"), mean(m, "sync_processor_batch_size"));
    f.put(name(prefix, "serverFsyncs"), delta(m, "cnt_fsynctime"));
    f.put(name(prefix, "serverFsyncMsMean"), mean(m, "fsynctime"));
    f.put(name(prefix, "serverReadLatencyMs"), mean(m, "readlatency"));
    f.put(name(prefix, "serverUpdateLatencyMs"), mean(m, "updatelatency"));
    return f;
  }

  static String name(String prefix, String key) {
    return prefix.isEmpty() ? key : prefix + Character.toUpperCase(key.charAt(0)) + key.substring(1);
  }

  static double delta(Measured m, String key) {
    Double a = m.mntrAfter.get(key);
    Double b = m.mntrBefore.get(key);
    return a == null || b == null ? Double.NaN : a - b;
  }

  static Double mean(Measured m, String name) {
    double count = delta(m, "cnt_" + name);
    return Double.isNaN(count) || count <= 0 ? null : delta(m, "sum_" + name) / count;
  }

  // ---------------------------------------------------------------- the server's view

  /** `mntr` of the first server of --connect (or --server), or null if it does not answer. */
  Map<String, Double> mntr() {
    try {
      String text = fourLetterWord(serverAddress(), "mntr");
      Map<String, Double> values = new HashMap<>();
      for (String line : text.split("\n")) {
        String[] kv = line.split("\t");
        if (kv.length == 2 && kv[0].startsWith("zk_")) {
          try {
            values.put(kv[0].substring(3), Double.parseDouble(kv[1].trim()));
          } catch (NumberFormatException ignored) {
            // a text value (version, server_state)
          }
        }
      }
      return values.isEmpty() ? null : values;
    } catch (Exception e) {
      return null;
    }
  }

  /** The server itself (not a proxy in front of it): --server, else the first host of --connect. */
  String serverAddress() {
    String s = flags.getOrDefault("server", connect);
    return s.split(",")[0].split("/")[0];
  }

  static String fourLetterWord(String address, String word) throws Exception {
    int colon = address.lastIndexOf(':');
    try (Socket socket = new Socket(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)))) {
      socket.setSoTimeout(2_000);
      OutputStream out = socket.getOutputStream();
      out.write(word.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static final Pattern TOTAL_WATCHES = Pattern.compile("Total watches:\\s*(\\d+)");

  /** `Total watches:N` from `wchs`. */
  long totalWatches() throws Exception {
    String text = fourLetterWord(serverAddress(), "wchs");
    Matcher m = TOTAL_WATCHES.matcher(text);
    if (!m.find()) throw new IllegalStateException("unexpected wchs answer: " + text);
    return Long.parseLong(m.group(1));
  }

  // ---------------------------------------------------------------- process figures

  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** utime + stime of a process in clock ticks (/proc/<pid>/stat fields 14 and 15). */
  static double processTicks(long pid) {
    String[] f = statFields("/proc/" + pid + "/stat");
    return f == null ? Double.NaN : Double.parseDouble(f[11]) + Double.parseDouble(f[12]);
  }

  static double ownSystemTicks() {
    String[] f = statFields("/proc/self/stat");
    return f == null ? Double.NaN : Double.parseDouble(f[12]);
  }

  static String[] statFields(String file) {
    try {
      String stat = Files.readString(Path.of(file));
      return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    } catch (Exception e) {
      return null;
    }
  }

  /** Peak RSS (VmHWM) in MB, or NaN. */
  static double peakRssMb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) return Double.parseDouble(line.replaceAll("[^0-9]", "")) / 1024;
      }
    } catch (Exception ignored) {
      // not Linux
    }
    return Double.NaN;
  }

  /** Heap in use after full collections, in bytes. */
  static long heapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(20);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** The q-quantile, nearest-rank (bench/lib/measure.ts `quantile`). */
  static double quantile(double[] values, double q) {
    double[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    if (sorted.length == 0) return Double.NaN;
    int rank = (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
    return sorted[rank];
  }

  static double median(double[] values) {
    double[] s = values.clone();
    java.util.Arrays.sort(s);
    int mid = s.length / 2;
    return s.length % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  }

  /** A line from the orchestrating process (rearm's proxy driver), or null at end of input. */
  static String readLine() throws Exception {
    return STDIN.readLine();
  }

  private static final BufferedReader STDIN = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

  // ---------------------------------------------------------------- JSON

  static String json(Object v) {
    if (v == null) return "null";
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      return Double.isFinite(d) ? Double.toString(d) : "null";
    }
    if (v instanceof Number || v instanceof Boolean) return v.toString();
    if (v instanceof Map) {
      StringBuilder b = new StringBuilder("{");
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
        if (b.length() > 1) b.append(',');
        b.append(json(String.valueOf(e.getKey()))).append(':').append(json(e.getValue()));
      }
      return b.append('}').toString();
    }
    String s = v.toString();
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }
}
