import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The read-only reference folder that sits beside the project (recordings, DCI samples). */
export const sharedDir = fileURLToPath(new URL('../../../shared/', import.meta.url));

// Suites that replay the real server's recordings cannot run without them: say so plainly
// rather than failing later with a bare ENOENT.
if (!existsSync(sharedDir)) {
  throw new Error(`the reference recordings are not at ${sharedDir} (the "shared" folder beside the project); the replay and conformance suites need them`);
}

export const sharedPath = (...parts: string[]): string => join(sharedDir, ...parts);
