import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';

const API_VERSIONS = 18;
const CORRELATION_ID = 0x70697477; // "pitw"

/** An ApiVersions v0 request frame; every broker answers it before authentication. */
export function toApiVersionsRequest(clientId: string): Buffer {
  const id = Buffer.from(clientId, 'utf8');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + id.length);
  body.writeInt16BE(API_VERSIONS, 0);
  body.writeInt16BE(0, 2);
  body.writeInt32BE(CORRELATION_ID, 4);
  body.writeInt16BE(id.length, 8);
  id.copy(body, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

/**
 * Whether the broker answers a Kafka request within `timeoutMs`: a TCP connect alone is not enough (a
 * broker being shut down, or a proxy in front of a dead one, still accepts connections). Never rejects.
 */
export function readBrokerReachable(host: string, port: number, timeoutMs: number, tls?: ConnectionOptions): Promise<boolean> {
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    const onConnect = (): void => {
      socket.write(toApiVersionsRequest('pitower-probe'));
    };
    const socket = tls ? tlsConnect({ ...tls, host, port }, onConnect) : netConnect({ host, port }, onConnect);
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 8) done(received.readInt32BE(4) === CORRELATION_ID);
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
  });
}
