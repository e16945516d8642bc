/**
 * No Cassandra server installs on this machine (see README): statements and options are tested in
 * exporter/src/load/backends/statements.test.ts; here, the real driver against nothing.
 */
import { freePort } from '../support/mariadb';
import { runCli } from './run-cli';

describe('load > cassandra (no server)', () => {
  test('every contact point refuses: exit 2 at once with one line naming them and the DC', async () => {
    const [a, b] = [await freePort(), await freePort()];
    const result = await runCli(['load', '--backend', 'cassandra', '--cassandra.contact-point', `127.0.0.1:${a},127.0.0.1:${b}`, '--cassandra.local-dc', 'dc-pi', '--connect-timeout', '30s', '--count', '5']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(new RegExp(`^pitower: cannot reach cassandra 127\\.0\\.0\\.1:${a},127\\.0\\.0\\.1:${b} \\(dc dc-pi\\): .*\\(refused; not retried\\)$`, 'm'));
    expect(result.ms).toBeLessThan(10000);
  });
});
