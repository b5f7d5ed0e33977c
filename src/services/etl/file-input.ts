import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { SporeprintError } from '../../core/index.js';

/** Size of the head handed to format detection. */
const HEAD_BYTES = 64 * 1024;

/** A source file on disk: its size, first bytes and a way to stream it (with byte progress). */
export interface FileInput {
  readonly path: string;
  readonly fileName: string;
  readonly byteSize: number;
  readonly head: Buffer;
}

/** Opens a file for ETL, refusing what is not a readable regular file with a clear message. */
export async function openFileInput(path: string): Promise<FileInput> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new SporeprintError('SP_ERR_USAGE', `${path} is not a regular file`);
    size = st.size;
  } catch (e) {
    if (e instanceof SporeprintError) throw e;
    throw new SporeprintError('SP_ERR_NOT_FOUND', `cannot read source file ${path}: ${(e as Error).message}`);
  }
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(HEAD_BYTES, size));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return { path, fileName: basename(path), byteSize: size, head: buf.subarray(0, bytesRead) };
  } finally {
    await fh.close();
  }
}

/** Streams the file in chunks, calling `onBytes` with the running byte count. */
export async function* streamFile(
  input: FileInput,
  onBytes?: (read: number) => void,
): AsyncGenerator<Buffer> {
  let read = 0;
  for await (const chunk of createReadStream(input.path, { highWaterMark: 256 * 1024 })) {
    const buf = chunk as Buffer;
    read += buf.length;
    onBytes?.(read);
    yield buf;
  }
}

/** SHA-256 (hex) of the file content, streamed. */
export async function hashFile(input: FileInput): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of streamFile(input)) h.update(chunk);
  return h.digest('hex');
}

/** SHA-256 (hex) of a string. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
