import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The read-only reference folder that sits beside the project (recordings, DCI samples). */
export const sharedDir = fileURLToPath(new URL('../../../shared/', import.meta.url));
export const sharedPath = (...parts: string[]): string => join(sharedDir, ...parts);
