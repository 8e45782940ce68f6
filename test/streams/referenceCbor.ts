import { Decoder, Encoder } from 'cbor-x';

/**
 * An independent cbor-x codec the stream tests check ota-sim's hand-written CBOR against:
 * definite-length maps sized to their contents, byte strings untagged (§4.5 bytes).
 */
export const enc = new Encoder({
  useRecords: false,
  mapsAsObjects: true,
  variableMapSize: true,
  tagUint8Array: false,
});
export const dec = new Decoder({ useRecords: false, mapsAsObjects: true });
