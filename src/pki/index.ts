export * from './types.js';
export * from './chain.js';
export * from './sign.js';
export * from './backends.js';
export * from './verifyChain.js';
export * from './vectors.js';
export { ecdsaDerToRaw, ecdsaRawToDer, parseEcdsaDer, encodeEcdsaDer, parseSpki } from './der.js';
export type { ParsedSpki } from './der.js';
