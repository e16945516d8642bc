// The real-Kafka lab's Java side (test/lab/kafka.ts compiles it with javac against the lab's jars):
//   LabTools broker <server.properties>   runs kafka.Kafka
//   LabTools elect <bootstrap> <topic:partition>...   preferred-leader election (kafkajs has none)
// Either way the JVM halts when its stdin closes (test/lab/ParentWatchdog.java).
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ElectionNotNeededException;

public final class LabTools {
  public static void main(String[] args) throws Exception {
    ParentWatchdog.start();
    if (args.length >= 2 && args[0].equals("broker")) {
      kafka.Kafka.main(new String[] {args[1]});
      return;
    }
    if (args.length >= 3 && args[0].equals("elect")) {
      Properties props = new Properties();
      props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[1]);
      props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
      Set<TopicPartition> partitions = new HashSet<>();
      for (int i = 2; i < args.length; i++) {
        int colon = args[i].lastIndexOf(':');
        partitions.add(new TopicPartition(args[i].substring(0, colon), Integer.parseInt(args[i].substring(colon + 1))));
      }
      int failed = 0;
      Admin admin = Admin.create(props);
      try {
        Map<TopicPartition, java.util.Optional<Throwable>> result =
            admin.electLeaders(ElectionType.PREFERRED, partitions).partitions().get(20, TimeUnit.SECONDS);
        for (Map.Entry<TopicPartition, java.util.Optional<Throwable>> e : result.entrySet()) {
          Throwable err = e.getValue().orElse(null);
          if (err == null || err instanceof ElectionNotNeededException) {
            System.out.println(e.getKey() + " ok");
          } else {
            failed++;
            System.out.println(e.getKey() + " " + err.getClass().getSimpleName() + ": " + err.getMessage());
          }
        }
      } finally {
        admin.close(Duration.ofSeconds(1));
      }
      System.exit(failed == 0 ? 0 : 1);
    }
    System.err.println("usage: LabTools broker <server.properties> | elect <bootstrap> <topic:partition>...");
    System.exit(2);
  }
}
