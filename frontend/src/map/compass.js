/**
 * The N/E compass, shown when the image has a celestial WCS. Directions are unit vectors in image
 * pixel axes (x right, y up, as the map shows the image), measured from the WCS itself: the pixel
 * offsets of small steps north and east of the image centre (`world2pix`), which also holds for flipped
 * (east-right) and SIP-distorted images. Until that answer arrives, the Image's `rotation_deg` (position
 * angle of the image +y axis, East of North) and `east_left` give a first estimate.
 */
import Control from 'ol/control/Control.js';

/** @typedef {{north: [number, number], east: [number, number]}} CompassDirections image axes, y up */

/**
 * With East left (sky parity) position angles grow counter-clockwise on screen, so North lies
 * `rotationDeg` clockwise from +y; with East right, counter-clockwise. East is 90 degrees from North
 * towards the side `eastLeft` names.
 * @param {number} rotationDeg position angle of the image +y axis, East of North (tiles/wcs.py)
 * @param {boolean} eastLeft true when East is 90 degrees counter-clockwise from North (sky as seen)
 * @returns {CompassDirections}
 */
export function directionsFromRotation(rotationDeg, eastLeft) {
  const t = (rotationDeg * Math.PI) / 180;
  const north = /** @type {[number, number]} */ (eastLeft ? [Math.sin(t), Math.cos(t)] : [-Math.sin(t), Math.cos(t)]);
  const east = /** @type {[number, number]} */ (eastLeft ? [-north[1], north[0]] : [north[1], -north[0]]);
  return { north, east };
}

/**
 * @param {{x: number[], y: number[]}} pixels world2pix of [centre, centre + north step, centre + east step]
 * @returns {CompassDirections|null} null when the steps do not resolve (degenerate WCS)
 */
export function directionsFromSteps(pixels) {
  const unit = (i) => {
    const dx = pixels.x[i] - pixels.x[0];
    const dy = pixels.y[i] - pixels.y[0];
    const n = Math.hypot(dx, dy);
    return n > 0 && Number.isFinite(n) ? /** @type {[number, number]} */ ([dx / n, dy / n]) : null;
  };
  const north = unit(1);
  const east = unit(2);
  return north && east ? { north, east } : null;
}

const SIZE = 64;
const ARM = 20;

/**
 * @param {[number, number]} dir image axes, y up
 * @param {string} label
 * @returns {string} SVG for one arrow from the centre (screen y is down, hence -dir[1])
 */
function arrow(dir, label) {
  const c = SIZE / 2;
  const x = c + dir[0] * ARM;
  const y = c - dir[1] * ARM;
  const lx = c + dir[0] * (ARM + 8);
  const ly = c - dir[1] * (ARM + 8);
  return `<line x1="${c}" y1="${c}" x2="${x.toFixed(1)}" y2="${y.toFixed(1)}" marker-end="url(#compass-head)"/>`
    + `<text x="${lx.toFixed(1)}" y="${ly.toFixed(1)}">${label}</text>`;
}

/** OpenLayers control drawing `#compass`; hidden without directions. */
export class CompassControl extends Control {
  constructor() {
    const element = document.createElement('div');
    element.id = 'compass';
    element.className = 'compass ol-unselectable';
    element.hidden = true;
    super({ element });
  }

  /** @param {CompassDirections|null} dirs */
  setDirections(dirs) {
    const el = this.element;
    el.hidden = !dirs;
    if (!dirs) {
      el.innerHTML = '';
      return;
    }
    const angle = (d) => ((Math.atan2(-d[0], d[1]) * 180) / Math.PI).toFixed(1);
    el.dataset.northAngle = angle(dirs.north);
    el.dataset.eastAngle = angle(dirs.east);
    el.innerHTML = `<svg width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}" aria-label="compass">`
      + '<defs><marker id="compass-head" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="6" markerHeight="6"'
      + ' orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>'
      + `${arrow(dirs.north, 'N')}${arrow(dirs.east, 'E')}</svg>`;
  }
}
