import { userError } from '../exceptions.js';

/**
 * What Odoo 17's Image fields do to a value written to them (fields.Image._image_process):
 * base64 decoded as Python's b64decode does (characters outside the alphabet dropped, padding
 * required), then opened as an image. Small images are stored unchanged, as there; the resized
 * copies (image_1024 ... image_128) are not made here.
 */
const SIGNATURES: ReadonlyArray<(bytes: Buffer) => boolean> = [
  (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), // PNG
  (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff, // JPEG
  (b) => b.subarray(0, 4).toString('latin1') === 'GIF8',
  (b) => b.subarray(0, 2).toString('latin1') === 'BM',
  (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
  (b) => ['II*\u0000', 'MM\u0000*'].includes(b.subarray(0, 4).toString('latin1')), // TIFF
  (b) => b.subarray(0, 4).equals(Buffer.from([0, 0, 1, 0])), // ICO
  (b) => b[0] === 0x3c, // '<': SVG, which Odoo keeps as it is
];

export function checkImage(value: unknown): void {
  if (value === false || value === null || value === undefined || value === '') return;
  if (typeof value !== 'string') throw userError('Image is not encoded in base64.');
  const alphabet = value.replace(/[^A-Za-z0-9+/=]/g, '');
  const body = alphabet.replace(/=+$/, '');
  if (alphabet.length % 4 !== 0 || body.includes('=') || body.length % 4 === 1) throw userError('Image is not encoded in base64.');
  const bytes = Buffer.from(body, 'base64');
  if (bytes.length === 0) return;
  if (!SIGNATURES.some((matches) => matches(bytes))) throw userError('This file could not be decoded as an image file.');
}
