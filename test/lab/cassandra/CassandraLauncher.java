// The real-Cassandra lab's Java side (test/lab/cassandra.ts compiles it with javac against the lab's jars):
//   CassandraLauncher [args...]   runs org.apache.cassandra.service.CassandraDaemon.main(args)
// The JVM halts when its stdin closes (ParentWatchdog). A SIGTERM still runs Cassandra's own shutdown hook
// (drain, "Cassandra shutdown complete").
public final class CassandraLauncher {
  public static void main(String[] args) throws Exception {
    ParentWatchdog.start();
    org.apache.cassandra.service.CassandraDaemon.main(args);
  }
}
