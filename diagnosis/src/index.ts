/**
 * @pitower/diagnosis: where is the bottleneck? Pure functions only (no I/O, no Node-only APIs), shared by
 * `pitower diagnose` (exporter/src/diagnosis/report.ts asks Prometheus) and the Grafana panel (which reads
 * its query results): the PromQL it asks, one join of per-host series into HostSamples, one classifier,
 * one text rendering of a verdict.
 */
export * from './bottleneck';
export * from './format';
export * from './host-samples';
export * from './queries';
