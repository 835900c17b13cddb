/**
 * Crash-safe file writes: write a temporary file in the same directory, fsync it, rename it over
 * the target, then fsync the directory. A reader sees the old or the new file, never a torn one.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Atomically replaces `file` with `data`, creating parent directories as needed. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  writeSynced(tmp, data, 'w');
  renameSync(tmp, file);
  fsyncDir(dir); // the rename is atomic; this makes it durable
}

/**
 * Appends `text` to `file` (created with mode 0600 if missing) and fsyncs it before returning.
 * A crash can leave a torn last line, which readers of append-only logs must expect.
 */
export function appendDurable(file: string, text: string): void {
  writeSynced(file, text, 'a');
}

function writeSynced(file: string, data: string | Uint8Array, mode: 'a' | 'w'): void {
  const fd = openSync(file, mode, 0o600);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** JSON variant of {@link writeFileAtomic} (pretty-printed, trailing newline). */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/** fsyncs a directory so that a rename or a new file in it survives a crash (best effort). */
export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems do not allow fsync on a directory.
  }
}
