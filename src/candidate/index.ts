/** Reading a candidate model artifact: the module's public surface. */
export { loadCandidate, type LoadCandidateOptions } from './load.js'
export { hashFile, hashFiles, HASH_BUFFER_BYTES, type FileDigest } from './hash.js'
export type {
  Candidate,
  CandidateFile,
  ChecksumReport,
  ModelInfo,
  Signature,
  SignatureField
} from './types.js'
