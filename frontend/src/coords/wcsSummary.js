/**
 * Reading the Image's `wcs` summary. The server reports the pixel scale either as one number or per
 * axis (`{"x": .., "y": .., "mean": ..}`, arcsec per pixel); the map needs one number for its scale bar.
 */

/**
 * @param {object|null|undefined} wcs the Image's `wcs` field
 * @returns {number|null} arcsec per image pixel, null without a celestial WCS or a usable scale
 */
export function pixelScaleArcsec(wcs) {
  if (!wcs?.has_celestial) return null;
  const s = wcs.pixel_scale_arcsec;
  const value = typeof s === 'number' ? s
    : s && typeof s === 'object' ? (s.mean ?? (Number.isFinite(s.x) && Number.isFinite(s.y) ? Math.sqrt(s.x * s.y) : NaN))
      : NaN;
  return Number.isFinite(value) && value > 0 ? value : null;
}
