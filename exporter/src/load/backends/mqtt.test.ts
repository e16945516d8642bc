import { PitowerTimeoutError } from '../../errors';
import { classifyMqttError, describeMqttConnectError, PitowerMqttOfflineError, toClientOptions } from './mqtt';

const CONFIG = { url: 'mqtts://b:8883', host: 'b', port: 8883, tls: true, qos: 1 as const, topic: 't', insecureSkipTlsVerify: false };

describe('load > backends > mqtt', () => {
  const withCode = (message: string, code: number | string) => Object.assign(new Error(message), { code });
  test.each([
    ['CONNACK 4 (3.1.1: bad username or password)', withCode('Connection refused: Bad username or password', 4), 'auth'],
    ['CONNACK 5 (3.1.1: not authorized)', withCode('Connection refused: Not authorized', 5), 'auth'],
    ['CONNACK 0x86 (5: bad user name or password)', withCode('Connection refused: Bad User Name or Password', 0x86), 'auth'],
    ['PUBACK 0x87 (5: not authorized)', withCode('Publish error: Not authorized', 0x87), 'auth'],
    ['CONNACK 3 (server unavailable)', withCode('Connection refused: Server unavailable', 3), 'unavailable'],
    ['CONNACK 0x89 (server busy)', withCode('Connection refused: Server busy', 0x89), 'overloaded'],
    ['PUBACK 0x97 (quota exceeded)', withCode('Publish error: Quota exceeded', 0x97), 'overloaded'],
    ['PUBACK 0x90 (topic name invalid)', withCode('Publish error: Topic Name invalid', 0x90), 'rejected'],
    ['an unknown CA', withCode('self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN'), 'auth'],
    ['no PUBACK in time', new PitowerTimeoutError('no PUBACK within 5000 ms'), 'timeout'],
    ['offline', new PitowerMqttOfflineError('not connected'), 'connection'],
    ['mqtt.js flushing in-flight messages', new Error('Connection closed'), 'connection'],
    ['mqtt.js ending', new Error('client disconnecting'), 'connection'],
    ['refused', withCode('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'), 'connection'],
    ['anything else', new Error('boom'), 'other'],
  ])('classifyMqttError: %s -> %s', (_what, err, reason) => {
    expect(classifyMqttError(err)).toBe(reason);
  });

  test('describeMqttConnectError names the flags to check', () => {
    expect(describeMqttConnectError(withCode('Connection refused: Not authorized', 5))).toBe(
      'Connection refused: Not authorized (check --mqtt.username and the password: --mqtt.password-file, $MQTT_PASSWORD)',
    );
    expect(describeMqttConnectError(withCode('self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN'))).toBe(
      'self-signed certificate in certificate chain (check --mqtt.ca-file)',
    );
    expect(describeMqttConnectError(new Error('boom\nstack'))).toBe('boom');
  });

  test('toClientOptions: TLS settings only for mqtts, no offline queue, no reconnect before the first CONNACK', () => {
    expect(toClientOptions({ ...CONFIG, ca: 'PEM' }, 'id')).toMatchObject({ protocol: 'mqtts', host: 'b', port: 8883, ca: 'PEM', rejectUnauthorized: true, queueQoSZero: false, reconnectPeriod: 0 });
    const plain = toClientOptions({ ...CONFIG, url: 'mqtt://b:1883', port: 1883, tls: false, username: 'lab', password: 'pw' }, 'id');
    expect(plain).toMatchObject({ protocol: 'mqtt', username: 'lab', password: 'pw' });
    expect(plain).not.toHaveProperty('rejectUnauthorized');
  });
});
