export const id = 649;
export const ids = [649];
export const modules = {

/***/ 649:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  fetchCandidateArtifact: () => (/* binding */ fetchCandidateArtifact)
});

// UNUSED EXPORTS: DEFAULT_MAX_ARTIFACT_BYTES, zipCeiling

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(51455);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(48161);
var external_node_os_default = /*#__PURE__*/__webpack_require__.n(external_node_os_);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(76760);
var external_node_path_default = /*#__PURE__*/__webpack_require__.n(external_node_path_);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(83916);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(73024);
// EXTERNAL MODULE: external "node:util"
var external_node_util_ = __webpack_require__(57975);
// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __webpack_require__(57075);
// EXTERNAL MODULE: external "node:stream/promises"
var external_node_stream_promises_ = __webpack_require__(46466);
// EXTERNAL MODULE: external "node:zlib"
var external_node_zlib_ = __webpack_require__(38522);
var external_node_zlib_default = /*#__PURE__*/__webpack_require__.n(external_node_zlib_);
// EXTERNAL MODULE: ./node_modules/yauzl/index.js
var yauzl = __webpack_require__(20663);
;// CONCATENATED MODULE: ./src/candidate/unzip.ts








/**
 * Reading and extracting a zip archive someone else made (a workflow artifact), fail-closed.
 *
 * yauzl reads the archive's structure (end records, zip64, the central directory, local
 * headers, the data streams); the rules below are ModelGate's, and everything they decide is
 * decided on the central directory and local headers before a byte is written:
 * - an entry whose name is not UTF-8, is absolute, has a drive letter, a `..`, `.` or empty
 *   segment, a backslash or a control character is refused (no zip slip, no Windows escapes);
 * - so is a name Windows cannot hold, on every platform (a candidate must be portable, and the
 *   action runs on Windows runners too): a device name (`CON`, `nul.txt`, `COM1`), a segment
 *   ending in a dot or a space, or one of `<>:"|?*`;
 * - a symbolic link is refused, wherever it points: `@actions/artifact` uploads the file a
 *   link points to, never the link, so a link in an artifact was put there by hand;
 * - anything else that is not a regular file or a directory (by its Unix mode) is refused;
 * - encrypted entries, compression other than stored or deflate, archives spread over several
 *   disks, duplicate names and a file that is also a parent directory are refused;
 * - two paths that differ only in case or in Unicode normalisation (`Model.bin` and `model.bin`,
 *   `café` in NFC and in NFD, a file `a` and an entry `A/b`) are refused as duplicates: Windows
 *   and macOS would write them to one place;
 * - an entry's local header must carry the central directory's name (no two readings of one
 *   archive), and no two entries' records may overlap (no data shared between entries);
 * - the sum of the declared uncompressed sizes must be within the limit.
 *
 * Extraction then trusts none of those claims: each entry is written with `wx` (never over an
 * existing path, never through a link), stops as soon as it inflates beyond its declared size,
 * and must end at exactly that size with the declared CRC-32 (yauzl checks neither the CRC nor,
 * as configured here, the sizes: these checks are ModelGate's, with its messages). A file-system
 * error is a refusal naming the entry, never the temporary path it was written to.
 */
/** An archive or an entry in it is refused; `entry` is the name as stored in the archive. */
class ZipRefusal extends Error {
    entry;
    constructor(message, entry) {
        super(message);
        this.name = 'ZipRefusal';
        this.entry = entry;
    }
}
/** An artifact with more entries than this is refused: inode exhaustion is a denial of service too. */
const DEFAULT_MAX_ZIP_ENTRIES = 100_000;
const HOST_UNIX = 3;
const HOST_DARWIN = 19;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
/** Raw names and no size checks: the names and sizes are vetted here, with these messages. */
const YAUZL_OPTIONS = { autoClose: false, decodeStrings: false, validateEntrySizes: false };
/** Read and vet the central directory and local headers of the zip file at `file`. Writes nothing. */
async function readZipDirectory(file, limits) {
    const zip = await openZip(file);
    try {
        const maxEntries = limits.maxEntries ?? DEFAULT_MAX_ZIP_ENTRIES;
        if (zip.entryCount > maxEntries) {
            throw new ZipRefusal(`has ${zip.entryCount} entries, more than the ${maxEntries} allowed`);
        }
        const entries = [];
        const extents = [];
        const decoder = new external_node_util_.TextDecoder('utf-8', { fatal: true });
        for await (const raw of readEntries(zip)) {
            const { entry, extent } = await vetEntry(zip, raw, decoder);
            entries.push(entry);
            extents.push(extent);
        }
        checkTree(entries);
        checkExtents(extents);
        const totalBytes = entries.reduce((sum, entry) => sum + entry.size, 0);
        if (totalBytes > limits.maxBytes) {
            throw new ZipRefusal(`expands to ${totalBytes} bytes, above the limit of ${limits.maxBytes} bytes`);
        }
        return { entries, totalBytes };
    }
    finally {
        zip.close();
    }
}
/**
 * Extract the vetted `zip` from `file` into `into`, a directory that must not exist yet (its
 * parent must). Throws ZipRefusal when the data does not match what the directory declared.
 */
async function extractZip(file, zip, into) {
    try {
        await (0,promises_.mkdir)(into);
    }
    catch (error) {
        const failure = systemFailure(error);
        if (failure === undefined)
            throw error;
        throw new ZipRefusal(`could not be extracted (${failure})`);
    }
    const archive = await openZip(file);
    try {
        for (const entry of zip.entries) {
            const refusal = (problem) => new ZipRefusal(`entry ${JSON.stringify(entry.name)} ${problem}`, entry.name);
            const target = external_node_path_default().join(into, ...entry.path.split('/'));
            try {
                if (entry.kind === 'directory') {
                    await (0,promises_.mkdir)(target, { recursive: true });
                    continue;
                }
                await (0,promises_.mkdir)(external_node_path_default().dirname(target), { recursive: true });
                await extractEntry(archive, entry, target, refusal);
            }
            catch (error) {
                throw classify(error, refusal);
            }
        }
    }
    finally {
        archive.close();
    }
}
/** yauzl's answer for an archive it cannot read, as a refusal; a file-system error as it is. */
async function openZip(file) {
    try {
        return await yauzl.openPromise(file, YAUZL_OPTIONS);
    }
    catch (error) {
        throw structureRefusal(error);
    }
}
async function* readEntries(zip) {
    const iterator = zip.eachEntry();
    for (;;) {
        let next;
        try {
            next = await iterator.next();
        }
        catch (error) {
            throw structureRefusal(error);
        }
        if (next.done)
            return;
        yield next.value;
    }
}
function structureRefusal(error) {
    if (systemFailure(error) !== undefined || !(error instanceof Error))
        return error;
    if (/end of central directory record signature not found/i.test(error.message)) {
        return new ZipRefusal('is not a zip archive (no end of central directory record)');
    }
    if (/multi-disk/i.test(error.message))
        return new ZipRefusal('spans several disks');
    if (/unexpected EOF/i.test(error.message))
        return new ZipRefusal('is truncated');
    return new ZipRefusal(`is damaged (${error.message})`);
}
async function vetEntry(zip, raw, decoder) {
    let name;
    try {
        name = decoder.decode(raw.fileName);
    }
    catch {
        throw new ZipRefusal(`has an entry whose name is not UTF-8 (${JSON.stringify(raw.fileName.toString('latin1'))})`);
    }
    const refuse = (problem) => {
        throw new ZipRefusal(`entry ${JSON.stringify(name)} ${problem}`, name);
    };
    const relative = checkName(name, refuse);
    const kind = entryKind(name, raw.versionMadeBy, raw.externalFileAttributes, refuse);
    const method = raw.compressionMethod;
    const size = raw.uncompressedSize;
    const compressedSize = raw.compressedSize;
    if ((raw.generalPurposeBitFlag & 0x1) !== 0)
        refuse('is encrypted');
    if (method !== 0 && method !== 8) {
        refuse(`uses compression method ${method}; only stored (0) and deflate (8) are read`);
    }
    if (kind === 'directory' && size !== 0)
        refuse('is a directory with content');
    if (method === 0 && compressedSize !== size)
        refuse('is stored with two different sizes');
    let local;
    try {
        local = await zip.readLocalFileHeaderPromise(raw);
    }
    catch (error) {
        const refused = structureRefusal(error);
        if (!(refused instanceof ZipRefusal))
            throw refused;
        refuse(`has a damaged local header (${refused.message})`);
        throw refused;
    }
    if (!local.fileName.equals(raw.fileName)) {
        refuse(`is named ${JSON.stringify(local.fileName.toString('utf8'))} in its local header`);
    }
    return {
        entry: {
            name,
            path: relative,
            kind,
            method,
            size,
            compressedSize,
            crc32: raw.crc32,
            dataStart: local.fileDataStart
        },
        extent: {
            name,
            start: raw.relativeOffsetOfLocalHeader,
            end: local.fileDataStart + compressedSize
        }
    };
}
/**
 * No two entries may share bytes: an honest writer lays entries one after another, and
 * overlapping entries (one deflate stream read as many files) are how the densest zip bombs
 * are built. yauzl already bounds every entry by the end of the file.
 */
function checkExtents(extents) {
    const sorted = [...extents].sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++) {
        const before = sorted[i - 1];
        const after = sorted[i];
        if (after.start < before.end) {
            throw new ZipRefusal(`entry ${JSON.stringify(after.name)} overlaps entry ${JSON.stringify(before.name)} ` +
                'in the archive (two entries sharing bytes)', after.name);
        }
    }
}
/**
 * Device names Windows reserves in every directory, whatever the extension and the case, and
 * with spaces before the extension (`CON`, `nul.txt`, `Com1 .log`). COM0, LPT0 and the
 * superscript digits are reserved too (Microsoft's "Naming Files, Paths, and Namespaces").
 */
const WINDOWS_DEVICE = /^(?:con|prn|aux|nul|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3]) *(?:\.|$)/i;
/**
 * The entry's POSIX path without a trailing slash; refuses any name that could escape or alias,
 * and any name Windows cannot hold, on every platform.
 */
function checkName(name, refuse) {
    if (name === '' || name === '/')
        refuse('has an empty name');
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f\\]/.test(name)) {
        refuse('has a backslash or a control character in its name');
    }
    if (name.startsWith('/'))
        refuse('is an absolute path');
    if (/^[A-Za-z]:/.test(name))
        refuse('starts with a drive letter');
    if (/[<>:"|?*]/.test(name))
        refuse('has a character Windows forbids in names (one of <>:"|?*)');
    const body = name.endsWith('/') ? name.slice(0, -1) : name;
    for (const segment of body.split('/')) {
        if (segment === '..')
            refuse('escapes the target directory (a ".." segment)');
        if (segment === '' || segment === '.')
            refuse('has an empty or "." path segment');
        if (segment.endsWith('.') || segment.endsWith(' ')) {
            refuse(`has a segment ending in a dot or a space (${JSON.stringify(segment)}), which Windows drops`);
        }
        if (WINDOWS_DEVICE.test(segment)) {
            refuse(`has a segment Windows reserves for a device (${JSON.stringify(segment)})`);
        }
    }
    return body;
}
function entryKind(name, madeBy, externalAttributes, refuse) {
    const host = madeBy >>> 8;
    const type = host === HOST_UNIX || host === HOST_DARWIN ? (externalAttributes >>> 16) & S_IFMT : 0;
    if (type === S_IFLNK) {
        refuse('is a symbolic link; an artifact holds the files links point to, so a link is refused ' +
            'wherever it points');
    }
    if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) {
        refuse(`is neither a regular file nor a directory (Unix mode ${type.toString(8)})`);
    }
    if (type === S_IFDIR || name.endsWith('/'))
        return 'directory';
    return 'file';
}
/**
 * Refuse two entries with one path; two paths that a case-insensitive, normalisation-insensitive
 * file system (Windows, macOS) takes for one, counting the directories entries imply (`a` and
 * `A/b`); and a file that another entry needs as a directory (`a` and `a/b`).
 */
function checkTree(entries) {
    const kinds = new Map();
    for (const entry of entries) {
        const seen = kinds.get(entry.path);
        if (seen === 'file' || (seen && entry.kind === 'file')) {
            throw new ZipRefusal(`entry ${JSON.stringify(entry.name)} appears twice`, entry.name);
        }
        kinds.set(entry.path, entry.kind);
    }
    const spellings = new Map();
    for (const entry of entries) {
        let prefix = '';
        for (const segment of entry.path.split('/')) {
            prefix = prefix === '' ? segment : `${prefix}/${segment}`;
            const key = foldName(prefix);
            const seen = spellings.get(key);
            if (!seen) {
                spellings.set(key, { path: prefix, entry });
            }
            else if (seen.path !== prefix) {
                throw new ZipRefusal(`entry ${JSON.stringify(entry.name)} collides with entry ${JSON.stringify(seen.entry.name)} ` +
                    `on Windows and macOS: ${JSON.stringify(prefix)} and ${JSON.stringify(seen.path)} ` +
                    `differ only ${difference(prefix, seen.path)}`, entry.name);
            }
        }
    }
    for (const entry of entries) {
        const segments = entry.path.split('/');
        for (let i = 1; i < segments.length; i++) {
            const parent = segments.slice(0, i).join('/');
            if (kinds.get(parent) === 'file') {
                throw new ZipRefusal(`entry ${JSON.stringify(entry.name)} lies under ${JSON.stringify(parent)}, which is a file`, entry.name);
            }
        }
    }
}
/**
 * One spelling for the names a case-insensitive, normalisation-insensitive file system takes for
 * one: Unicode's canonical caseless match, with case folding approximated by upper- then
 * lower-casing (which folds more than any file system does: fail closed).
 */
function foldName(name) {
    return name.normalize('NFD').toUpperCase().toLowerCase().normalize('NFD');
}
function difference(a, b) {
    if (a.normalize('NFC') === b.normalize('NFC'))
        return 'in Unicode normalisation (NFC and NFD)';
    if (a.toLowerCase() === b.toLowerCase())
        return 'in case';
    return 'in case or Unicode normalisation';
}
async function extractEntry(zip, entry, target, refusal) {
    if (entry.compressedSize === 0) {
        if (entry.method !== 0)
            throw refusal('is damaged (no data)');
        await writeNew(target, entry, refusal);
        return;
    }
    // yauzl 3.4.0's openReadStreamLowLevelPromise calls the wrong method; the callback form works.
    const source = await new Promise((resolve, reject) => zip.openReadStreamLowLevel(entry.dataStart, entry.compressedSize, 0, entry.compressedSize, entry.method === 8, entry.size, (error, stream) => (error ? reject(error) : resolve(stream))));
    const guard = new SizeGuard(entry.size, () => refusal(`expands beyond its declared ${entry.size} bytes`));
    const sink = (0,external_node_fs_.createWriteStream)(target, { flags: 'wx' });
    await (0,external_node_stream_promises_.pipeline)(source, guard, sink);
    if (guard.bytes !== entry.size) {
        throw refusal(`holds ${guard.bytes} bytes, not its declared ${entry.size}`);
    }
    if (guard.crc !== entry.crc32)
        throw refusal('is damaged (CRC-32 mismatch)');
}
async function writeNew(target, entry, refusal) {
    if (entry.size !== 0 || entry.crc32 !== 0)
        throw refusal('is damaged (no data)');
    await (0,promises_.writeFile)(target, '', { flag: 'wx' });
}
/**
 * An error met while extracting one entry, as a refusal naming that entry. A file-system error's
 * message holds the temporary path, so only its code and call are kept.
 */
function classify(error, refusal) {
    if (error instanceof ZipRefusal)
        return error;
    const code = error?.code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
        return refusal(`is damaged (${error.message})`);
    }
    const failure = systemFailure(error);
    if (failure === undefined)
        return error;
    if (code === 'EEXIST' || code === 'EISDIR' || code === 'ENOTDIR') {
        return refusal(`collides with another entry on this file system, which takes two names for one (${failure})`);
    }
    return refusal(`could not be extracted (${failure})`);
}
/** `EACCES on mkdir` for a Node file-system error, without its path; undefined for any other. */
function systemFailure(error) {
    const { code, syscall } = (error ?? {});
    if (typeof code !== 'string' || !/^E[A-Z0-9]+$/.test(code))
        return undefined;
    return typeof syscall === 'string' ? `${code} on ${syscall}` : code;
}
/** Passes bytes through, computing their CRC-32; fails once more than `limit` bytes came. */
class SizeGuard extends external_node_stream_.Transform {
    limit;
    over;
    bytes = 0;
    crc = 0;
    constructor(limit, over) {
        super();
        this.limit = limit;
        this.over = over;
    }
    _transform(chunk, _encoding, callback) {
        this.bytes += chunk.length;
        if (this.bytes > this.limit) {
            callback(this.over());
            return;
        }
        this.crc = crc32(chunk, this.crc);
        callback(null, chunk);
    }
}
// zlib.crc32 arrived in Node 20.15 / 22.2; the CLI supports every Node 20.
const nativeCrc32 = (external_node_zlib_default()).crc32;
let table;
/** CRC-32 (IEEE, as zip uses it) of `data`, continuing from `value`. */
function crc32(data, value = 0) {
    if (nativeCrc32)
        return nativeCrc32(data, value);
    if (!table) {
        table = new Uint32Array(256);
        for (let n = 0; n < 256; n++) {
            let c = n;
            for (let k = 0; k < 8; k++)
                c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
            table[n] = c >>> 0;
        }
    }
    let crc = ~value >>> 0;
    for (const byte of data)
        crc = table[(crc ^ byte) & 0xff] ^ (crc >>> 8);
    return ~crc >>> 0;
}

;// CONCATENATED MODULE: ./src/candidate/artifact.ts





/**
 * A candidate model from a GitHub Actions artifact: found, size-checked, downloaded as a zip
 * into a fresh temporary directory, vetted entry by entry on the zip's central directory (see
 * unzip.ts), and only then extracted. The caller loads the result with `loadCandidate(dir)`.
 */
/** The cap when the policy sets no `artifact.max_size_mb`: 10 GiB, so there is always a limit. */
const DEFAULT_MAX_ARTIFACT_BYTES = 10 * 1024 * 1024 * 1024;
const MIB = 1024 * 1024;
/**
 * Fetch the artifact `request.name` from `deps.source` and extract it into a fresh temporary
 * directory. Fails closed, removing the temporary directory on every failure:
 * - NotFoundError (exit 3) when there is no such artifact, or it has expired;
 * - PermissionError (exit 4) from the source when the token may not read it;
 * - InvalidInputError (exit 2) naming the artifact, and the entry when there is one, when the
 *   reported size is above the limit (nothing is downloaded), when the zip's entries would
 *   escape the directory, include links or special files, or expand beyond the limit
 *   (nothing is extracted), or when extraction does not match what the zip declared.
 */
async function fetchCandidateArtifact(request, deps) {
    const { source } = deps;
    const name = request.name.trim();
    if (name === '')
        throw new errors/* InvalidInputError */.oC('The candidate artifact name is empty');
    const maxBytes = request.maxBytes ?? DEFAULT_MAX_ARTIFACT_BYTES;
    if (!Number.isFinite(maxBytes) || maxBytes < 0) {
        throw new Error(`internal error: artifact size limit ${maxBytes} is not a byte count`);
    }
    const where = source.scope.description;
    const info = await source.find(name);
    if (!info) {
        throw new errors/* NotFoundError */.m_(`The artifact ${name} was not found in ${where}; check the name, and that the run ` +
            'uploaded it and it has not expired or been deleted');
    }
    const label = `The artifact ${name} (id ${info.id}) in ${where}`;
    if (info.expired) {
        const when = info.expiresAt ? ` on ${info.expiresAt.toISOString()}` : '';
        throw new errors/* NotFoundError */.m_(`${label} expired${when}; its files are gone. Re-run the training job, or keep ` +
            'artifacts longer (retention-days)');
    }
    const limitText = `${formatBytes(maxBytes)}${request.maxBytes === undefined ? ' (the default cap)' : ' (artifact.max_size_mb)'}`;
    if (info.size > zipCeiling(maxBytes)) {
        throw new errors/* InvalidInputError */.oC(`${label} is ${formatBytes(info.size)} zipped: its contents cannot fit the limit of ` +
            `${limitText}; not downloaded`);
    }
    const work = await (0,promises_.mkdtemp)(external_node_path_default().join(deps.tempRoot ?? external_node_os_default().tmpdir(), 'modelgate-artifact-'));
    const cleanup = () => (0,promises_.rm)(work, { recursive: true, force: true });
    try {
        const downloads = external_node_path_default().join(work, 'zip');
        const dir = external_node_path_default().join(work, 'candidate');
        await (0,promises_.mkdir)(downloads);
        const zipFile = await source.download(info, downloads);
        const zipSize = (await (0,promises_.lstat)(zipFile)).size;
        if (zipSize > zipCeiling(maxBytes)) {
            throw new errors/* InvalidInputError */.oC(`${label} downloaded as ${formatBytes(zipSize)}: its contents cannot fit the limit of ${limitText}`);
        }
        const refused = (error) => {
            if (!(error instanceof ZipRefusal))
                throw error;
            throw new errors/* InvalidInputError */.oC(`${label} was refused: the zip ${error.message}`, {
                cause: error
            });
        };
        const zip = await readZipDirectory(zipFile, { maxBytes }).catch(refused);
        await extractZip(zipFile, zip, dir).catch(refused);
        await (0,promises_.rm)(downloads, { recursive: true, force: true });
        const unpackedBytes = await verifyExtraction(work, dir, maxBytes, label);
        return {
            dir,
            cleanup,
            artifact: {
                name: info.name,
                id: info.id,
                ...(source.scope.runId === undefined ? {} : { runId: source.scope.runId }),
                ...(source.scope.repository === undefined ? {} : { repository: source.scope.repository }),
                sizeBytes: info.size,
                unpackedBytes
            }
        };
    }
    catch (error) {
        await cleanup();
        throw error;
    }
}
/**
 * Belt and braces after extraction: the work directory holds only the candidate, and the
 * candidate only regular files and directories, within the limit. Returns the total size.
 */
async function verifyExtraction(work, dir, maxBytes, label) {
    const left = await (0,promises_.readdir)(work);
    if (left.length !== 1 || left[0] !== external_node_path_default().basename(dir)) {
        throw new errors/* InvalidInputError */.oC(`${label} was refused: extraction wrote outside its directory`);
    }
    let total = 0;
    const visit = async (relative) => {
        const absolute = external_node_path_default().join(dir, relative);
        for (const entry of await (0,promises_.readdir)(absolute)) {
            const child = relative === '' ? entry : `${relative}/${entry}`;
            const stats = await (0,promises_.lstat)(external_node_path_default().join(dir, child));
            if (stats.isDirectory()) {
                await visit(child);
            }
            else if (stats.isFile()) {
                total += stats.size;
            }
            else {
                throw new errors/* InvalidInputError */.oC(`${label} was refused: ${child} is neither a regular file nor a directory`);
            }
        }
    };
    await visit('');
    if (total > maxBytes) {
        throw new errors/* InvalidInputError */.oC(`${label} was refused: it unpacked to ${formatBytes(total)}, above the limit of ${formatBytes(maxBytes)}`);
    }
    return total;
}
/**
 * The largest zip that may hold contents within `maxBytes`. GitHub reports the zip's size, and a
 * zip is usually smaller than its contents, but not always: headers cost ~100 bytes plus twice
 * the name per entry, and deflate can grow incompressible data slightly. Comparing the zip
 * with the limit itself would refuse a model of incompressible weights just under the limit,
 * so the zip may exceed it by 1 MiB plus 1%. The exact check is on the unpacked sizes.
 */
function zipCeiling(maxBytes) {
    return maxBytes + MIB + Math.ceil(maxBytes / 100);
}
function formatBytes(bytes) {
    if (bytes < MIB)
        return `${bytes} bytes`;
    return `${(bytes / MIB).toFixed(1)} MiB (${bytes} bytes)`;
}


/***/ })

};
