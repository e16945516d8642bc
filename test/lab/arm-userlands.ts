/**
 * The arm64 and armhf userlands of test/lab/arm-roots.sh (made once into ~/.cache/pitower-peers/arm), for
 * running node under qemu-user: `qemu -L root node script.js`.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
const ROOTS_SCRIPT = join(__dirname, 'arm-roots.sh');

export interface ArmUserland {
  arch: 'arm64' | 'armhf';
  /** qemu-aarch64-static or qemu-arm-static. */
  qemu: string;
  /** The tree for qemu's -L. */
  root: string;
  node: string;
  /** What that node reports, e.g. "v20.20.2". */
  nodeVersion: string;
}

/** Runs arm-roots.sh (downloads only the first time, ~30 s) and returns both userlands. */
export async function readArmUserlands(): Promise<ArmUserland[]> {
  const { stdout } = await execFileP('bash', [ROOTS_SCRIPT], { timeout: 290_000, maxBuffer: 1 << 20 });
  return stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [arch, qemu, root, node, nodeVersion] = line.split(' ');
      if (arch !== 'arm64' && arch !== 'armhf') throw new Error(`arm-roots.sh: unexpected line ${line}`);
      return { arch, qemu, root, node, nodeVersion };
    });
}

/** The command and arguments that run `script` with the userland's node under qemu. */
export function underQemu(userland: ArmUserland, script: string): { command: string; prefix: string[] } {
  return { command: userland.qemu, prefix: ['-L', userland.root, userland.node, script] };
}
