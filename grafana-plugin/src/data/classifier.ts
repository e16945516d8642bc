/**
 * The one door to the exporter's bottleneck classifier: the panel compiles exporter/src/diagnosis from
 * source (webpack ts-loader, ts-jest) so `pitower diagnose` and the panel give the same verdict.
 */
export { classifyBottleneck, THRESHOLDS } from '../../../exporter/src/diagnosis/bottleneck';
export type { HostSample, Role, Verdict } from '../../../exporter/src/diagnosis/bottleneck';
export { THROTTLED_SHARE, toHostName } from '../../../exporter/src/diagnosis/host-samples';
