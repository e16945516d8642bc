import type { ExporterConfig } from '../../exporter/src/http/server';

/** An exporter config for in-process tests: ephemeral port, no sysfs/procfs sources, quiet, no collectors. */
export function testExporterConfig(overrides: Partial<ExporterConfig> = {}): ExporterConfig {
  return {
    listenAddress: { host: '127.0.0.1', port: 0, text: '127.0.0.1:0' },
    telemetryPath: '/metrics',
    sysfs: '/nonexistent',
    procfs: '/nonexistent',
    logLevel: 'error',
    logFormat: 'json',
    collectors: [],
    collectorTimeoutSeconds: 4,
    maxRequests: 40,
    ...overrides,
  };
}
