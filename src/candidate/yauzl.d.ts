// The part of yauzl 3.4's API that unzip.ts and scan/files.ts use. @types/yauzl describes yauzl 2 (no promises,
// no low-level stream), so these few declarations stand in for it.
declare module 'yauzl' {
  import type { Readable } from 'node:stream'

  export interface Entry {
    /** With `decodeStrings: false`, the raw bytes of the name. */
    fileName: Buffer
    versionMadeBy: number
    generalPurposeBitFlag: number
    compressionMethod: number
    crc32: number
    compressedSize: number
    uncompressedSize: number
    externalFileAttributes: number
    relativeOffsetOfLocalHeader: number
  }

  export interface LocalFileHeader {
    fileDataStart: number
    fileName: Buffer
  }

  export interface ZipFile {
    entryCount: number
    eachEntry(): AsyncIterableIterator<Entry>
    readLocalFileHeaderPromise(entry: Entry): Promise<LocalFileHeader>
    // The callback form: 3.4.0's openReadStreamLowLevelPromise calls openReadStream instead.
    openReadStreamLowLevel(
      fileDataStart: number,
      compressedSize: number,
      relativeStart: number,
      relativeEnd: number,
      decompress: boolean,
      uncompressedSize: number,
      callback: (error: Error | null, stream: Readable) => void
    ): void
    /** Decompressed, size-checked data of an entry (the model-file scan reads entries this way). */
    openReadStream(entry: Entry, callback: (error: Error | null, stream: Readable) => void): void
    close(): void
  }

  export interface Options {
    autoClose?: boolean
    lazyEntries?: boolean
    decodeStrings?: boolean
    validateEntrySizes?: boolean
    strictFileNames?: boolean
  }

  export function openPromise(path: string, options?: Options): Promise<ZipFile>
}
