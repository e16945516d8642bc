/**
 * The demo's slow consumer group, as its own process (scripts/demo.ts starts it): reads `topic` at
 * `perSecond` messages/s and commits every 2 s, so the lag panel has data. In its own process because a
 * kafkajs consumer whose brokers vanish mid-disconnect can spin on empty fetches and starve the event loop
 * of whoever runs it; here SIGTERM, then SIGKILL, ends it whatever it does.
 *   node -r ./scripts/ts-require.js scripts/demo-consumer.ts <group> <topic> <perSecond> <broker,broker,...>
 * Prints "joined <group>" once the group has assigned it partitions.
 */
import { Kafka, logLevel } from 'kafkajs';

const [group, topic, perSecond, brokers] = process.argv.slice(2) as Array<string | undefined>;
const rate = Number(perSecond);
if (!group || !topic || !(rate > 0) || !brokers) {
  process.stderr.write('usage: demo-consumer.ts <group> <topic> <perSecond> <brokers>\n');
  process.exit(2);
}
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function main(groupId: string, subscribed: string, bootstrap: string[]): Promise<void> {
  const consumer = new Kafka({ clientId: 'pitower-demo-reader', brokers: bootstrap, logLevel: logLevel.NOTHING }).consumer({
    groupId,
    sessionTimeout: 10_000,
    rebalanceTimeout: 5_000,
    heartbeatInterval: 1_000,
  });
  const stop = () => {
    // A disconnect that hangs on dead brokers is not waited for.
    setTimeout(() => process.exit(0), 2000).unref();
    void consumer.disconnect().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  consumer.on(consumer.events.GROUP_JOIN, () => process.stdout.write(`joined ${groupId}\n`));
  await consumer.connect();
  await consumer.subscribe({ topic: subscribed, fromBeginning: true });
  await consumer.run({ autoCommitInterval: 2000, eachMessage: () => sleep(1000 / rate) });
}

main(group, topic, brokers.split(',')).catch((err: unknown) => {
  process.stderr.write(`demo-consumer: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
