import type { z } from 'zod';
import { validationFailed, validationItems } from './errors.js';

/** Parses a part of the request, or answers 422 with FastAPI's error list naming `where`. */
export function parseOr422<S extends z.ZodType>(schema: S, input: unknown, where: 'body' | 'query' | 'path'): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationFailed(validationItems(result.error, input, where));
  return result.data;
}
