import { constants } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import type { Readable } from 'node:stream'

/**
 * A forward-only byte reader over a file or a stream, with one reused buffer: memory stays at
 * {@link READ_BUFFER_BYTES} whatever the size of what is read. `skip` over a file moves the read
 * position without reading (the scanner skips tensor payloads that way); over a stream it
 * consumes the bytes.
 */

export const READ_BUFFER_BYTES = 1024 * 1024

/**
 * Open flags for every file ModelGate reads from a candidate: never follow a
 * symlink at the last component (the walk already resolved and vetted links,
 * so meeting one here means the tree changed under us), and never block on a
 * FIFO swapped in after the walk. Both flags are 0 where the platform lacks them.
 */
export const SAFE_READ_FLAGS =
  constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0)

/** Where bytes come from: `read` returns 0 at the end. */
export interface ByteSource {
  read(into: Buffer, offset: number, length: number): Promise<number>
  /** Moves past `count` bytes; returns how many there were (fewer at the end). */
  skip(count: number): Promise<number>
}

/**
 * The bytes of an open file from `start` to `end` (its size, or the end of a stored zip entry),
 * read by position: a skip moves the position without reading.
 */
export function fileSource(handle: FileHandle, end: number, start = 0): ByteSource {
  let position = start
  return {
    async read(into, offset, length) {
      const wanted = Math.min(length, end - position)
      if (wanted <= 0) return 0
      const { bytesRead } = await handle.read(into, offset, wanted, position)
      position += bytesRead
      return bytesRead
    },
    async skip(count) {
      const moved = Math.max(0, Math.min(count, end - position))
      position += moved
      return moved
    }
  }
}

/** A Node stream (a zip entry, an inflated stream), consumed chunk by chunk. */
export function streamSource(stream: Readable): ByteSource {
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>
  let current: Buffer = Buffer.alloc(0)
  let done = false
  const next = async (): Promise<boolean> => {
    while (!done && current.length === 0) {
      const step = await chunks.next()
      if (step.done) done = true
      else current = step.value
    }
    return current.length > 0
  }
  return {
    async read(into, offset, length) {
      if (!(await next())) return 0
      const count = Math.min(length, current.length)
      current.copy(into, offset, 0, count)
      current = current.subarray(count)
      return count
    },
    async skip(count) {
      let moved = 0
      while (moved < count && (await next())) {
        const step = Math.min(count - moved, current.length)
        current = current.subarray(step)
        moved += step
      }
      return moved
    }
  }
}

/** Buffered reading with the offset of every byte known, for findings that name it. */
export class ByteReader {
  readonly buffer: Buffer
  /** Next byte to consume, and end of the valid bytes, in `buffer`. */
  pos = 0
  end = 0
  /** Stream offset of `buffer[0]`. */
  private base = 0
  private exhausted = false

  constructor(
    private readonly source: ByteSource,
    size = READ_BUFFER_BYTES
  ) {
    this.buffer = Buffer.allocUnsafe(size)
  }

  /** Offset, in the stream, of the next byte. */
  get offset(): number {
    return this.base + this.pos
  }

  get available(): number {
    return this.end - this.pos
  }

  /**
   * Make at least `count` bytes available (count ≤ buffer size); false when the stream ends
   * first (what is left stays available).
   */
  async fill(count: number): Promise<boolean> {
    if (this.available >= count) return true
    if (this.pos > 0) {
      this.buffer.copy(this.buffer, 0, this.pos, this.end)
      this.base += this.pos
      this.end -= this.pos
      this.pos = 0
    }
    while (this.end < count && !this.exhausted) {
      const read = await this.source.read(this.buffer, this.end, this.buffer.length - this.end)
      if (read === 0) this.exhausted = true
      this.end += read
    }
    return this.end >= count
  }

  /** Move past `count` bytes; false when the stream ends first. */
  async skip(count: number): Promise<boolean> {
    const buffered = Math.min(count, this.available)
    this.pos += buffered
    const rest = count - buffered
    if (rest === 0) return true
    this.base += this.end
    this.pos = 0
    this.end = 0
    const moved = await this.source.skip(rest)
    this.base += moved
    return moved === rest
  }

  /** True when no byte is left. */
  async atEnd(): Promise<boolean> {
    return !(await this.fill(1))
  }
}
