/** Test helper: takes the abstract lock named by argv[2], says so, and waits to be killed. */
import { acquireAbstractLock } from '../abstract-lock.js';

const lock = acquireAbstractLock(process.argv[2] ?? '');
if (lock.isErr()) {
  process.stderr.write(`${lock.error.message}\n`);
  process.exit(1);
}
process.stdout.write('held\n');
setTimeout(() => process.exit(0), 60_000);
