// One implementation: applications normalize slow queries with the client package before sending them.
export { fingerprint, normalizeSql } from '@vigil/client';
