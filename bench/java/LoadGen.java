// The load generator of bench/load.ts: Apache ZooKeeper 3.8's own Java client (its async
// API), N sessions with D requests in flight each, so that both servers are measured with
// the client their users run. bench/load.ts compiles it at run time and drives it over
// stdin/stdout, one line each way:
//   in:  phase <op> <warmup_s> <seconds>    op: create | setData | getData | exists | delete
//   out: begin <op>                         the measured part starts now
//        end <op>                           and ends now (the server's CPU is read between)
//        result <op> ops=<n> errors=<n> seconds=<s> p50_us=<n> p99_us=<n> p999_us=<n> max_us=<n>
//   in:  quit
// TLS is the client's own: -Dzookeeper.client.secure=true, ClientCnxnSocketNetty, ssl.*.
// Usage: java -cp <classes>:<zookeeper jars> LoadGen <host:port> <sessions> <depth>
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.zookeeper.AsyncCallback;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

public final class LoadGen {
  /** The data of every create and setData: 100 bytes, as the issue's measurements. */
  static final byte[] DATA = new byte[100];
  /** How long a session may take to connect: a loaded 2-core machine, a TLS handshake, a cold JVM. */
  static final int CONNECT_TIMEOUT_S = 30;
  /** Session timeout asked for: long enough that a stalled server does not expire the load. */
  static final int SESSION_TIMEOUT_MS = 30_000;
  /** How long a phase may overrun its deadline while the last requests come back. */
  static final int DRAIN_TIMEOUT_S = 60;

  /** One session's load: its nodes and its latencies, touched from its event thread (and main at start). */
  static final class Session {
    final ZooKeeper zk;
    final int index;
    final List<String> nodes = new ArrayList<>();
    long nextName;
    long cursor;
    long[] latencies_ns = new long[1 << 14];
    int count;
    Session(ZooKeeper zk, int index) {
      this.zk = zk;
      this.index = index;
    }
    synchronized void record(long ns) {
      if (count == latencies_ns.length) latencies_ns = Arrays.copyOf(latencies_ns, count * 2);
      latencies_ns[count++] = ns;
    }
  }

  /** One phase (warm-up or measured): which op, until when, and whether latencies count. */
  static final class Phase {
    final String op;
    final long deadline_ns;
    final boolean measured;
    final CountDownLatch slots;
    final AtomicLong errors = new AtomicLong();
    final AtomicLong done = new AtomicLong();
    Phase(String op, long deadline_ns, boolean measured, int slots) {
      this.op = op;
      this.deadline_ns = deadline_ns;
      this.measured = measured;
      this.slots = new CountDownLatch(slots);
    }
  }

  public static void main(String[] args) {
    try {
      drive(args);
    } catch (Throwable e) {
      // The client's threads would keep the JVM up: bench/load.ts learns of the failure from the exit.
      e.printStackTrace();
      System.exit(1);
    }
    System.exit(0);
  }

  static void drive(String[] args) throws Exception {
    String connect = args[0];
    int sessionCount = Integer.parseInt(args[1]);
    int depth = Integer.parseInt(args[2]);
    Arrays.fill(DATA, (byte) 'v');
    Session[] sessions = new Session[sessionCount];
    for (int i = 0; i < sessionCount; i++) {
      CountDownLatch connected = new CountDownLatch(1);
      ZooKeeper zk = new ZooKeeper(connect, SESSION_TIMEOUT_MS, e -> {
        if (e.getState() == Watcher.Event.KeeperState.SyncConnected) connected.countDown();
      });
      if (!connected.await(CONNECT_TIMEOUT_S, TimeUnit.SECONDS)) throw new IllegalStateException("session " + i + " did not connect to " + connect);
      sessions[i] = new Session(zk, i);
    }
    try {
      sessions[0].zk.create("/bench", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    } catch (KeeperException.NodeExistsException e) {
      // a second LoadGen on the same server
    }
    System.out.println("ready");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    for (String line; (line = in.readLine()) != null; ) {
      String[] w = line.trim().split("\\s+");
      if (w[0].equals("quit")) break;
      if (!w[0].equals("phase")) throw new IllegalArgumentException("unknown command: " + line);
      String op = w[1];
      run(sessions, depth, op, Double.parseDouble(w[2]), false);
      for (Session s : sessions) synchronized (s) { s.count = 0; }
      System.out.println("begin " + op);
      long started = System.nanoTime();
      Phase p = run(sessions, depth, op, Double.parseDouble(w[3]), true);
      double seconds = (System.nanoTime() - started) / 1e9;
      System.out.println("end " + op);
      int total = 0;
      for (Session s : sessions) total += s.count;
      long[] all = new long[total];
      int at = 0;
      for (Session s : sessions) synchronized (s) {
        System.arraycopy(s.latencies_ns, 0, all, at, s.count);
        at += s.count;
      }
      Arrays.sort(all);
      System.out.printf("result %s ops=%d errors=%d seconds=%.3f p50_us=%d p99_us=%d p999_us=%d max_us=%d%n", op, p.done.get(), p.errors.get(), seconds,
          pct(all, 0.5), pct(all, 0.99), pct(all, 0.999), all.length == 0 ? 0 : all[all.length - 1] / 1000);
    }
    for (Session s : sessions) s.zk.close();
  }

  static long pct(long[] sorted, double p) {
    if (sorted.length == 0) return 0;
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(sorted.length * p))] / 1000;
  }

  /** Runs `op` on every session, `depth` in flight each, for `seconds` (delete: also until its nodes are gone). */
  static Phase run(Session[] sessions, int depth, String op, double seconds, boolean measured) throws InterruptedException {
    Phase p = new Phase(op, System.nanoTime() + (long) (seconds * 1e9), measured, sessions.length * depth);
    for (Session s : sessions) for (int d = 0; d < depth; d++) issue(s, p);
    if (!p.slots.await((long) seconds + DRAIN_TIMEOUT_S, TimeUnit.SECONDS)) throw new IllegalStateException(op + ": requests still unanswered " + DRAIN_TIMEOUT_S + " s after the phase ended");
    return p;
  }

  /** Sends the next request of this slot, or frees the slot once the phase is over. */
  static void issue(Session s, Phase p) {
    if (System.nanoTime() >= p.deadline_ns) {
      p.slots.countDown();
      return;
    }
    long t0 = System.nanoTime();
    String path;
    synchronized (s) {
      switch (p.op) {
        case "create":
          path = "/bench/s" + s.index + "-" + s.nextName++;
          break;
        case "delete":
          if (s.nodes.isEmpty()) {
            p.slots.countDown();
            return;
          }
          path = s.nodes.remove(s.nodes.size() - 1);
          break;
        default:
          if (s.nodes.isEmpty()) throw new IllegalStateException(p.op + " needs the nodes of a create phase first");
          path = s.nodes.get((int) (s.cursor++ % s.nodes.size()));
      }
    }
    switch (p.op) {
      case "create":
        s.zk.create(path, DATA, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT, (AsyncCallback.StringCallback) (rc, pth, ctx, name) -> {
          if (rc == 0) synchronized (s) { s.nodes.add(name); }
          done(s, p, rc, t0);
        }, null);
        break;
      case "setData":
        s.zk.setData(path, DATA, -1, (AsyncCallback.StatCallback) (rc, pth, ctx, stat) -> done(s, p, rc, t0), null);
        break;
      case "getData":
        s.zk.getData(path, false, (AsyncCallback.DataCallback) (rc, pth, ctx, data, stat) -> done(s, p, rc, t0), null);
        break;
      case "exists":
        s.zk.exists(path, false, (AsyncCallback.StatCallback) (rc, pth, ctx, stat) -> done(s, p, rc, t0), null);
        break;
      case "delete":
        s.zk.delete(path, -1, (AsyncCallback.VoidCallback) (rc, pth, ctx) -> done(s, p, rc, t0), null);
        break;
      default:
        throw new IllegalArgumentException("unknown op " + p.op);
    }
  }

  static void done(Session s, Phase p, int rc, long t0) {
    if (rc != 0) p.errors.incrementAndGet();
    p.done.incrementAndGet();
    if (p.measured) s.record(System.nanoTime() - t0);
    issue(s, p);
  }
}
