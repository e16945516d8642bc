import { errors, types } from 'cassandra-driver';
import { isUnresolved, toConnectConfigProblem, toReservedWordProblem, toSchemaProblem, toStoredName } from './cassandra';

describe('load > backends > cassandra connect problems', () => {
  const config = { contactPoints: ['127.0.0.1:9042', '127.0.0.2:9042'], localDc: 'dc-pi' };
  const noHost = (inner: Record<string, unknown> | null, message?: string) => new errors.NoHostAvailableError(inner as Record<string, Error>, message);
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.2:9042'), { code: 'ECONNREFUSED' });

  test.each<[string, string, string, string | undefined]>([
    ['plain names', 'lab', 'reading', undefined],
    ['a reserved keyspace name, any case', 'Table', 'reading', '--cassandra.keyspace Table: "Table" is a CQL reserved word and cannot name a keyspace; choose another name'],
    ['a reserved table name', 'lab', 'select', '--cassandra.table select: "select" is a CQL reserved word and cannot name a table; choose another name'],
    // Non-reserved keywords (Cassandra's grammar accepts them unquoted as names).
    ['a non-reserved keyword', 'type', 'date', undefined],
  ])('reserved words: %s', (_name, keyspace, table, line) => {
    expect(toReservedWordProblem(keyspace, table)).toBe(line);
  });

  test('unquoted names are stored folded to lower case', () => {
    expect(toStoredName('MixedCase_1')).toBe('mixedcase_1');
  });

  test.each<[string, unknown, string | undefined]>([
    [
      'the cluster asks for a password',
      noHost({ '127.0.0.1:9042': new errors.AuthenticationError('Host 127.0.0.1:9042 requires authentication, but no authenticator found in the options') }),
      'cassandra 127.0.0.1:9042,127.0.0.2:9042 refused the connection: authentication failed (Host 127.0.0.1:9042 requires authentication, but no authenticator found in the options); ' +
        'pitower load connects without credentials: use a cluster with authenticator: AllowAllAuthenticator',
    ],
    [
      'an unknown local data centre',
      noHost({ '127.0.0.1:9042': new errors.ArgumentError("localDataCenter was configured as 'dc-pi', but only found hosts in data centers: [datacenter1]") }),
      "--cassandra.local-dc dc-pi: cassandra 127.0.0.1:9042,127.0.0.2:9042: localDataCenter was configured as 'dc-pi', but only found hosts in data centers: [datacenter1]",
    ],
    // Waiting may help with these: they stay connection errors, retried until --connect-timeout.
    ['every host refused', noHost({ '127.0.0.1:9042': refused, '127.0.0.2:9042': refused }), undefined],
    ['a handshake timed out', noHost({ '127.0.0.1:9042': new errors.OperationTimedOutError('The host 127.0.0.1:9042 did not reply before timeout 10000 ms') }), undefined],
    ['a node still starting', noHost({ '127.0.0.1:9042': new errors.ResponseError(types.responseErrorCodes.isBootstrapping, 'bootstrapping') }), undefined],
  ])('connect: %s', (_name, err, line) => {
    expect(toConnectConfigProblem(err, config)).toBe(line);
  });

  test('no contact point resolved: the driver tried no host', () => {
    expect(isUnresolved(noHost(null, 'No host could be resolved'))).toBe(true);
    expect(isUnresolved(noHost({ '127.0.0.1:9042': refused }))).toBe(false);
    expect(isUnresolved(refused)).toBe(false);
  });

  const response = (code: number, message: string) => new errors.ResponseError(code, message);
  test.each<[string, unknown, string | undefined]>([
    [
      'a system keyspace',
      response(types.responseErrorCodes.unauthorized, 'system keyspace is not user-modifiable\n    at FrameReader.readError'),
      'rejected CREATE TABLE system.reading: system keyspace is not user-modifiable (check --cassandra.table)',
    ],
    ['a syntax error', response(types.responseErrorCodes.syntaxError, "line 1:35 no viable alternative at input 'x'"), "rejected CREATE TABLE system.reading: line 1:35 no viable alternative at input 'x' (check --cassandra.table)"],
    ['a timeout is no verdict', response(types.responseErrorCodes.writeTimeout, 'timed out'), undefined],
    ['nor is a lost connection', refused, undefined],
  ])('schema statement: %s', (_name, err, line) => {
    expect(toSchemaProblem(err, 'CREATE TABLE system.reading', '--cassandra.table')).toBe(line);
  });
});
