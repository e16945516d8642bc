import { KAFKA_MODULE } from '../kafka/module';
import { LOAD_MODULE } from '../load/module';
import { SINK_MODULE } from '../sink/module';
import type { DaemonModule } from '../daemon/extension';

/** Optional parts of `pitower exporter`; each adds its own `--<module>.*` flags. */
export const DAEMON_MODULES: DaemonModule[] = [
  KAFKA_MODULE,
  LOAD_MODULE,
  SINK_MODULE,
];
