/**
 * PIL's CMYK -> RGB conversion (libImaging/Convert.c `cmyk2rgb`):
 * nk = 255 - K; out = nk - C*nk/255 with PIL's rounding MULDIV255.
 * No colour management, which is exactly what `convert('RGB')` does.
 */
function mulDiv255(a: number, b: number): number {
  const t = a * b + 128;
  return ((t >> 8) + t) >> 8;
}

export function cmykToRgbLikePil(cmyk: Buffer, width: number, height: number, channels: number): Buffer {
  const pixels = width * height;
  const rgb = Buffer.alloc(pixels * 3);
  for (let i = 0, s = 0, d = 0; i < pixels; i++, s += channels, d += 3) {
    const nk = 255 - (cmyk[s + 3] ?? 0);
    for (let c = 0; c < 3; c++) {
      const v = nk - mulDiv255(cmyk[s + c] ?? 0, nk);
      rgb[d + c] = v < 0 ? 0 : v;
    }
  }
  return rgb;
}
