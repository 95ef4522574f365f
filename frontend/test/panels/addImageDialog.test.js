import assert from 'node:assert/strict';
import { test } from 'node:test';
import { guessBand } from '../../src/panels/addImageDialog.js';

test('a band is named from its file: the HST filter, else the stem; file.fits[SCI] names the HDU', () => {
  assert.deepEqual(guessBand('hst_10342_f555w_drc.fits'), { band: 'F555W', hdu: '' });
  assert.deepEqual(guessBand('ngc628_F814W_sci.fits[SCI]'), { band: 'F814W', hdu: 'SCI' });
  assert.deepEqual(guessBand('reprojected_sdss_g.fits'), { band: 'reprojected_sdss_g', hdu: '' });
  assert.deepEqual(guessBand('jw_f200w.fits.gz'), { band: 'F200W', hdu: '' });
});
