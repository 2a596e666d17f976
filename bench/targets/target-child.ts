/**
 * The "2c" topology: the target servers run in this child process so their CPU is not
 * counted in the bench process. Sends its ports over IPC; exits when the parent disconnects
 * (or dies), so it can never outlive the bench.
 */
import { startTargets } from './target-servers.js';

const targets = await startTargets();
process.send?.({ http1Port: targets.http1Port, h2cPort: targets.h2cPort, httpsPort: targets.httpsPort, h2TlsPort: targets.h2TlsPort });
process.on('disconnect', () => {
  void targets.close().finally(() => process.exit(0));
});
