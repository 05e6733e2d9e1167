/**
 * Product images cached on disk: fetched once per change of Zoho's image
 * (document id / name), at reconciliation priority, within the planner's
 * image share. Files are named by item id and a hash of the image key, so a
 * new image never collides with a cached old one.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const EXT: Record<string, string> = { 'image/jpeg': 'jpg', 'image/jpg': 'jpg', 'image/png': 'png', 'image/gif': 'gif', 'image/webp': 'webp', 'image/svg+xml': 'svg' };

export function imageFileName(itemId: string, key: string, contentType: string): string {
  const ext = EXT[contentType.split(';')[0]!.trim().toLowerCase()] ?? 'bin';
  const h = createHash('sha256').update(key).digest('hex').slice(0, 12);
  return `${itemId.replace(/[^0-9A-Za-z_-]/g, '_')}-${h}.${ext}`;
}

export async function saveImage(dir: string, file: string, body: Buffer): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${file}.${process.pid}.tmp`);
  await writeFile(tmp, body);
  await rename(tmp, join(dir, file));
}

export async function removeImage(dir: string, file: string | null): Promise<void> {
  if (!file) return;
  await unlink(join(dir, file)).catch(() => undefined);
}

export async function readImage(dir: string, file: string): Promise<Buffer | null> {
  if (!/^[0-9A-Za-z_-]+\.[a-z]+$/.test(file)) return null;
  try {
    return await readFile(join(dir, file));
  } catch {
    return null;
  }
}

/** Only raster formats are served: an SVG from Zoho could carry script. */
export function isServableImageType(contentType: string | null): boolean {
  return contentType !== null && /^image\/(jpeg|jpg|png|gif|webp)$/i.test(contentType.split(';')[0]!.trim());
}
