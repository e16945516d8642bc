import { KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { toErrorReason } from './poller';

describe('kafka > poller > toErrorReason', () => {
  const protocol = (type: string) => Object.assign(new KafkaJSProtocolError(type), { type });
  test.each([
    ['a Kafka protocol error: its type', protocol('UNKNOWN_TOPIC_OR_PARTITION'), 'UNKNOWN_TOPIC_OR_PARTITION'],
    ['retries exceeded: the retried error inside (kafkajs 2.2.4 keeps it in cause)', new KafkaJSNumberOfRetriesExceeded(protocol('LEADER_NOT_AVAILABLE'), { retryCount: 5, retryTime: 100 }), 'LEADER_NOT_AVAILABLE'],
    ['another error: its class name', new TypeError('x'), 'TypeError'],
    ['not an error', 'boom', 'unknown'],
    ['odd characters are replaced', { name: 'a.b-c' }, 'a_b_c'],
  ])('%s', (_what, err, reason) => {
    expect(toErrorReason(err)).toBe(reason);
  });
});
