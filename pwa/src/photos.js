// Turning a camera or gallery image into what the app keeps: a JPEG with its long edge at
// most 2048 px (EXIF orientation applied by the browser), its SHA-256, and a thumbnail.
// Also the signature canvas as PNG. Pure browser work; nothing is stored here.

const LONG_EDGE = 2048;
const THUMB_EDGE = 320;

/** Lowercase hex SHA-256 of bytes (crypto.subtle). */
export async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function canvasBlob(canvas, type, quality) {
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('Bilden kunde inte sparas.'))),
      type, quality);
  });
}

function drawScaled(source, width, height, longEdge) {
  const scale = Math.min(1, longEdge / Math.max(width, height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const context = canvas.getContext('2d');
  context.fillStyle = '#fff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(source, 0, 0, canvas.width, canvas.height);
  return canvas;
}

/** A captured image file → {sha256, data, type, thumb, width, height}. */
export async function processImage(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    throw new Error('Filen kunde inte läsas som en bild.');
  }
  try {
    const full = drawScaled(bitmap, bitmap.width, bitmap.height, LONG_EDGE);
    const data = await (await canvasBlob(full, 'image/jpeg', 0.85)).arrayBuffer();
    const thumbCanvas = drawScaled(bitmap, bitmap.width, bitmap.height, THUMB_EDGE);
    const thumb = await (await canvasBlob(thumbCanvas, 'image/jpeg', 0.7)).arrayBuffer();
    return {
      sha256: await sha256Hex(data),
      data,
      type: 'image/jpeg',
      thumb,
      width: full.width,
      height: full.height,
    };
  } finally {
    bitmap.close();
  }
}

/** A drawn signature canvas → {sha256, data, type, thumb} (PNG). */
export async function processSignature(canvas) {
  const data = await (await canvasBlob(canvas, 'image/png')).arrayBuffer();
  return { sha256: await sha256Hex(data), data, type: 'image/png', thumb: data };
}
