/**
 * Reading the go-to box. One line of text names either a sky position or a pixel:
 *
 *   10:41:22.5 +41:16:07        RA in hours, Dec in degrees, sexagesimal (also 10h41m22.5s +41d16m07s,
 *   10 41 22.5 +41 16 07        or six space-separated fields)
 *   160.3438 +41.2686           degrees: the Dec carries an explicit sign, or a `d`/`°` unit is written
 *   160.3438d 41.2686d
 *   radec 160.34 41.27          a leading `radec` (or `sky`, `deg`) forces sky degrees
 *   512 300                     two plain numbers: a FITS 0-based pixel (astropy origin 0)
 *   px 512 300                  the same, explicitly
 *   ds9 513 301                 a DS9/FITS 1-based pixel (converted to 0-based)
 *
 * A signed Dec or a unit marks sky degrees. Two plain numbers that could be either ("187.5124 8.0471": a
 * northern Dec needs no sign) have a second reading (`skyReading`); `chooseReading` then
 * decides by the image's range, and the status line says which reading was taken.
 */
import { CoordinateError, parseDecDegrees, parseRaHours, parseSexagesimal } from './sexagesimal.js';

export { CoordinateError };

/**
 * @typedef {{kind: 'pixel', x: number, y: number}} PixelTarget FITS 0-based
 * @typedef {{kind: 'sky', ra: number, dec: number}} SkyTarget degrees, ICRS
 */

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const SKY_MARKS = /[:hdms°'′"″]/i;

/**
 * Split the coordinate part into its two halves (x/RA and y/Dec).
 * @param {string} text
 * @returns {[string, string]}
 */
function splitPair(text) {
  if (text.includes(',')) {
    const [a, ...rest] = text.split(',');
    return [a.trim(), rest.join(',').trim()];
  }
  const tokens = text.split(/\s+/).filter(Boolean);
  if (tokens.length === 2) return [tokens[0], tokens[1]];
  if (tokens.length === 6) return [tokens.slice(0, 3).join(' '), tokens.slice(3).join(' ')];
  if (tokens.length === 1) {
    const m = /^(.+?\d[hms"″]?)([+-].+)$/.exec(tokens[0]);
    if (m) return [m[1], m[2]];
  }
  throw new CoordinateError(
    `cannot read "${text}": give two coordinates, e.g. "10:41:22.5 +41:16:07", "160.34 +41.27" or "512 300"`,
  );
}

/**
 * @param {string} raText
 * @returns {number} degrees
 */
function readRa(raText) {
  if (/[:hm]/i.test(raText) || /\s/.test(raText)) return parseRaHours(raText);
  const { value, negative } = parseSexagesimal(raText, 'RA');
  if (negative || value >= 360) throw new CoordinateError(`RA "${raText}" must lie in 0..360 degrees`);
  return value;
}

/**
 * @param {string} text what the user typed
 * @returns {PixelTarget|SkyTarget}
 * @throws {CoordinateError} with a message saying what form is expected
 */
export function parseGoto(text) {
  let body = text.trim();
  if (!body) throw new CoordinateError('type a position: "10:41:22.5 +41:16:07", "160.34 +41.27" or "512 300"');
  let forced = /** @type {'pixel'|'pixel1'|'sky'|null} */ (null);
  const prefix = /^(px|pix|pixel|xy|ds9|fits|radec|sky|deg)\b[:=]?\s*/i.exec(body);
  if (prefix) {
    const word = prefix[1].toLowerCase();
    forced = ['ds9', 'fits'].includes(word) ? 'pixel1' : ['radec', 'sky', 'deg'].includes(word) ? 'sky' : 'pixel';
    body = body.slice(prefix[0].length);
  }
  const [a, b] = splitPair(body);
  const plain = NUMBER.test(a) && NUMBER.test(b);
  const looksSky = !plain || SKY_MARKS.test(a + b) || /^[+-]/.test(b) || body.split(/\s+/).length === 6;
  const kind = forced ?? (looksSky ? 'sky' : 'pixel');

  if (kind === 'sky') return { kind: 'sky', ra: readRa(a), dec: parseDecDegrees(b) };
  if (!plain) throw new CoordinateError(`pixel position "${body}" must be two numbers, e.g. "512 300"`);
  const offset = kind === 'pixel1' ? 1 : 0;
  return { kind: 'pixel', x: Number(a) - offset, y: Number(b) - offset };
}

/**
 * The other reading of two plain numbers: as RA/Dec degrees, when the text has no prefix and the numbers fit.
 * @param {string} text
 * @returns {{ra: number, dec: number}|null}
 */
export function skyReading(text) {
  const body = text.trim();
  if (/^[a-z]/i.test(body)) return null;
  let pair;
  try {
    pair = splitPair(body);
  } catch {
    return null;
  }
  if (!NUMBER.test(pair[0]) || !NUMBER.test(pair[1]) || /^[+-]/.test(pair[1])) return null;
  const ra = Number(pair[0]);
  const dec = Number(pair[1]);
  return ra >= 0 && ra < 360 && Math.abs(dec) <= 90 ? { ra, dec } : null;
}

/**
 * Which reading of two plain numbers to take. A sky position that lands on this image's few arcminutes
 * is no coincidence, while numbers under the image size are a pixel of it as often as not: the sky reading
 * wins whenever it falls inside, the pixel otherwise.
 * @param {{pixelInside: boolean, skyInside: boolean|null}} where skyInside null: no WCS to tell
 * @returns {'pixel'|'sky'|'outside'}
 */
export function chooseReading({ pixelInside, skyInside }) {
  if (skyInside) return 'sky';
  if (pixelInside) return 'pixel';
  return 'outside';
}

/**
 * @param {number|null|undefined} x FITS 0-based
 * @param {number|null|undefined} y
 * @param {{width: number, height: number}} image
 * @returns {boolean} whether the pixel lies on the image (a null from world2pix: off the sky projection)
 */
export function insideImage(x, y, image) {
  return Number.isFinite(x) && Number.isFinite(y) && /** @type {number} */ (x) >= -0.5 && /** @type {number} */ (y) >= -0.5
    && /** @type {number} */ (x) < image.width - 0.5 && /** @type {number} */ (y) < image.height - 0.5;
}
