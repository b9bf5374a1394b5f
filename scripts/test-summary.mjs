// Prints one closing line over the host run (vitest JSON) and the VM run (its log):
// "N passed, N failed, N skipped". Exits 1 when a test failed or nothing ran.
import { existsSync, readFileSync } from 'node:fs';

const [hostJson, vmLog] = process.argv.slice(2);
const total = { passed: 0, failed: 0, skipped: 0 };

if (hostJson && existsSync(hostJson)) {
  const report = JSON.parse(readFileSync(hostJson, 'utf8'));
  total.passed += report.numPassedTests ?? 0;
  total.failed += report.numFailedTests ?? 0;
  total.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
if (vmLog && existsSync(vmLog)) {
  const text = readFileSync(vmLog, 'utf8').replace(/\u001b\[[0-9;]*m/g, '');
  const line = text.split('\n').find((l) => /^\s*Tests\s+\d/.test(l));
  const count = (word) => Number(line?.match(new RegExp(`(\\d+) ${word}`))?.[1] ?? 0);
  total.passed += count('passed');
  total.failed += count('failed');
  total.skipped += count('skipped');
}

console.log(`\n${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed > 0 || total.passed === 0 ? 1 : 0);
