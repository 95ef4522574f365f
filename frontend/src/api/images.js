/**
 * Image endpoints: the list, one image's metadata, and its WCS and pixel-value look-ups.
 *
 * Pixel coordinates sent and received here are FITS 0-based (astropy origin 0: the centre of the first
 * pixel is (0, 0)), exactly as the API defines them; conversion to map coordinates happens in `map/`.
 */
import { apiUrl, getJson } from './client.js';

/** @returns {Promise<{count: number, items: object[]}>} every ingested image */
export function listImages() {
  return getJson(apiUrl('/images'));
}

/**
 * @param {number|string} imageId
 * @returns {Promise<object>} the Image document (bands, renditions, wcs, tile_grid, stretch_defaults)
 */
export function getImage(imageId) {
  return getJson(apiUrl(`/images/${encodeURIComponent(imageId)}`));
}

/**
 * Sky coordinates of FITS 0-based pixel positions (the server applies the full WCS, SIP included).
 * Rejects with a 409 ApiError when the image has no celestial WCS.
 * @param {number|string} imageId
 * @param {number[]} xs FITS 0-based x
 * @param {number[]} ys FITS 0-based y
 * @param {AbortSignal} [signal]
 * @returns {Promise<{ra: number[], dec: number[]}>} degrees, ICRS
 */
export function pixelToWorld(imageId, xs, ys, signal) {
  return getJson(apiUrl(`/images/${encodeURIComponent(imageId)}/pix2world`, { x: xs, y: ys }), signal);
}

/**
 * FITS 0-based pixel positions of sky coordinates (degrees, ICRS). 409 when there is no celestial WCS.
 * @param {number|string} imageId
 * @param {number[]} ras
 * @param {number[]} decs
 * @param {AbortSignal} [signal]
 * @returns {Promise<{x: number[], y: number[]}>}
 */
export function worldToPixel(imageId, ras, decs, signal) {
  return getJson(apiUrl(`/images/${encodeURIComponent(imageId)}/world2pix`, { ra: ras, dec: decs }), signal);
}

/**
 * Each band's value at the nearest pixel to FITS 0-based positions (null outside the image or masked).
 * @param {number|string} imageId
 * @param {number[]} xs
 * @param {number[]} ys
 * @param {AbortSignal} [signal]
 * @returns {Promise<{x: number[], y: number[], values: Record<string, (number|null)[]>}>}
 */
export function pixelValues(imageId, xs, ys, signal) {
  return getJson(apiUrl(`/images/${encodeURIComponent(imageId)}/values`, { x: xs, y: ys }), signal);
}

/**
 * Upload FITS bands as a new image (`POST /images`, which ingests them), reporting upload progress; the
 * ingest's own progress is read meanwhile with `uploadProgress(key)`.
 * @param {FormData} form name, files, bands, hdu, rendition, reproject, upload_key
 * @param {(sent: number, total: number) => void} onUpload
 * @returns {Promise<object>} the new Image document; rejects with the server's refusal message
 */
export function uploadImage(form, onUpload) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', apiUrl('/images'));
    xhr.upload.onprogress = (event) => onUpload(event.loaded, event.lengthComputable ? event.total : 0);
    xhr.onerror = () => reject(new Error('cannot reach the skylabel server: is it running?'));
    xhr.onload = () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON: the status line below
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else {
        const detail = body?.detail;
        const message = typeof detail === 'string' ? detail
          : Array.isArray(detail) ? detail.map((d) => `${(d.loc || []).slice(1).join('.')}: ${d.msg}`).join('; ')
            : `${xhr.status} ${xhr.statusText}`;
        reject(Object.assign(new Error(message), { status: xhr.status }));
      }
    };
    xhr.send(form);
  });
}

/**
 * @param {string} key the upload_key sent with the upload
 * @returns {Promise<{state: string, stage: string, fraction: number}>}
 */
export function uploadProgress(key) {
  return getJson(apiUrl(`/uploads/${encodeURIComponent(key)}`));
}
