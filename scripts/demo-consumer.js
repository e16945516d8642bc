#!/usr/bin/env node
/**
 * The demo's slow consumer group, as its own process (scripts/demo.js starts it): reads `topic` at
 * `perSecond` messages/s and commits every 2 s, so the lag panel has data. In its own process because a
 * kafkajs consumer whose brokers vanish mid-disconnect can spin on empty fetches and starve the event loop
 * of whoever runs it; here SIGTERM, then SIGKILL, ends it whatever it does.
 *   node scripts/demo-consumer.js <group> <topic> <perSecond> <broker,broker,...>
 * Prints "joined <group>" once the group has assigned it partitions.
 */
'use strict';
const { Kafka, logLevel } = require('kafkajs');

const [group, topic, perSecond, brokers] = process.argv.slice(2);
const rate = Number(perSecond);
if (!group || !topic || !(rate > 0) || !brokers) {
  process.stderr.write('usage: demo-consumer.js <group> <topic> <perSecond> <brokers>\n');
  process.exit(2);
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const consumer = new Kafka({ clientId: 'pitower-demo-reader', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).consumer({
    groupId: group,
    sessionTimeout: 10_000,
    rebalanceTimeout: 5_000,
    heartbeatInterval: 1_000,
  });
  const stop = () => {
    // A disconnect that hangs on dead brokers is not waited for.
    setTimeout(() => process.exit(0), 2000).unref();
    consumer.disconnect().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  consumer.on(consumer.events.GROUP_JOIN, () => process.stdout.write(`joined ${group}\n`));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ autoCommitInterval: 2000, eachMessage: () => sleep(1000 / rate) });
}

main().catch((err) => {
  process.stderr.write(`demo-consumer: ${err.message}\n`);
  process.exit(1);
});
