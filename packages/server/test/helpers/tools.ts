// Debian programs a test drives for real (.ci/run installs them). In CI a missing one fails the
// tests that need it; elsewhere they are skipped, saying why.
import { accessSync, constants } from 'node:fs';

/** The program's path, or a reason to skip (outside CI) when it is not installed. */
export function toolOrSkip(path: string, pkg: string): { path: string; skip?: undefined } | { path?: undefined; skip: string } {
  try {
    accessSync(path, constants.X_OK);
    return { path };
  } catch {
    const why = `${path} is not installed (apt-get install ${pkg}: see .ci/run)`;
    if (process.env.CI === 'true') throw new Error(why);
    return { skip: why };
  }
}
