import type { FastifyServerOptions } from 'fastify';

/** fastify's pino logger options: logfmt (node_exporter's default) through pino-logfmt, or JSON lines. */
export function loggerOptions(level: string, format: 'logfmt' | 'json'): FastifyServerOptions['logger'] {
  const common = {
    level,
    base: undefined,
    timestamp: () => `,"ts":"${new Date().toISOString()}"`,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  if (format === 'json') return common;
  return { ...common, transport: { target: 'pino-logfmt', options: { flattenNestedObjects: true } } };
}
