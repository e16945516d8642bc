// Shared by the labs' Java entries (test/lab/kafka/LabTools.java, test/lab/cassandra/CassandraLauncher.java):
// the JVM halts when its stdin (a pipe from the test process) closes, so a lab JVM never outlives the test
// process that started it, however that process ends (even SIGKILL).
import java.io.InputStream;

public final class ParentWatchdog {
  private ParentWatchdog() {}

  public static void start() {
    Thread watchdog = new Thread(() -> {
      InputStream in = System.in;
      try {
        while (in.read() >= 0) { /* the parent never writes: wait for EOF */ }
      } catch (Exception ignored) {
        // a read error means the parent is gone too
      }
      Runtime.getRuntime().halt(137);
    }, "lab-parent-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }
}
