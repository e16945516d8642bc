import { main } from '../../exporter/src/cli';
import { setEnv } from '../support/env';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `pitower <args>` in this process, capturing stdout/stderr and the exit code. */
export async function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    setEnv(k, v);
  }
  const before = process.exitCode;
  process.exitCode = undefined;
  const started = Date.now();
  try {
    await main(['node', 'pitower', ...args]);
    return { code: Number(process.exitCode ?? 0), stdout, stderr, ms: Date.now() - started };
  } finally {
    process.exitCode = before;
    out.mockRestore();
    err.mockRestore();
    for (const [k, v] of Object.entries(saved)) setEnv(k, v);
  }
}

/** The `audit` object of a `--audit --json` run. */
export interface AuditSummary {
  acknowledged: number;
  found: number;
  lost: number;
  duplicated: number;
  unacknowledgedPresent: number;
}

/** The `--json` object of a successful run. */
export function parseJsonSummary(result: CliResult): Record<string, unknown> & {
  transactions: number;
  errors: number;
  seconds: number;
  tps: number;
  errorsByReason: Record<string, number>;
  latency: { p50: number; p90: number; p99: number; max: number };
  audit?: AuditSummary;
} {
  if (result.code !== 0) throw new Error(`pitower exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout.trim());
}

/** The audit of a run asked for one (`--audit`); throws when the summary has none. */
export function auditOf(summary: { audit?: AuditSummary }): AuditSummary {
  if (!summary.audit) throw new Error(`the run's --json summary has no audit: ${JSON.stringify(summary)}`);
  return summary.audit;
}
