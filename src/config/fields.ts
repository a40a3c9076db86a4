// zod fields shared by the daemon config schema and the plugins' entry schemas.

import { z } from 'zod';

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export const httpUrl = z.string().refine(isHttpUrl, { error: 'expected an http:// or https:// URL' });
export const nonEmpty = z.string().min(1);

export { durationMs } from '../template/zod-fields.js';
