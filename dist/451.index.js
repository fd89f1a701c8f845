export const id = 451;
export const ids = [451];
export const modules = {

/***/ 62451:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   actionsArtifactSource: () => (/* binding */ actionsArtifactSource)
/* harmony export */ });
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(51455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(76760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _actions_artifact__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(9645);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(83916);
/* harmony import */ var _client_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(89298);





/**
 * The artifact source over `@actions/artifact`.
 *
 * With neither a run id nor a repository, and inside a JavaScript action's job (the runner's
 * `ACTIONS_RUNTIME_TOKEN` and `ACTIONS_RESULTS_URL` are set), it asks the current run's artifact
 * service. Otherwise it uses the REST API (`GITHUB_API_URL`, read when `@actions/github` is
 * first imported) with `token`: run `runId` (default `GITHUB_RUN_ID` when the repository is the
 * current one) of `repository` (default `GITHUB_REPOSITORY`). The token is only sent, never
 * logged or put in a message.
 *
 * The library reports no expiry on find: an expired artifact is found, and its download
 * answers 410 Gone, which becomes a NotFoundError saying it expired.
 *
 * The zip is downloaded with `skipDecompress` and vetted by candidate/artifact.ts (unzip.ts) because the library's
 * own extraction (unzip-stream 0.3.4) rewrites `..` segments to `.` rather than refusing them,
 * writes link entries as plain files, and has no size limit: a zip bomb would be written out
 * before any check could run. Its `expectedHash` check is used when the artifact has a digest.
 */
function actionsArtifactSource(options) {
    const env = options.env ?? process.env;
    const client = options.client ?? new _actions_artifact__WEBPACK_IMPORTED_MODULE_2__.DefaultArtifactClient();
    const current = env.GITHUB_REPOSITORY;
    const repository = options.repository ?? current;
    if (repository !== undefined && !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_3__/* .InvalidInputError */ .oC(`candidate-repository must be owner/name, not ${JSON.stringify(repository)}`);
    }
    if (options.runId !== undefined && !(Number.isSafeInteger(options.runId) && options.runId > 0)) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_3__/* .InvalidInputError */ .oC(`candidate-run-id must be a positive integer, not ${options.runId}`);
    }
    const internal = options.runId === undefined &&
        options.repository === undefined &&
        Boolean(env.ACTIONS_RUNTIME_TOKEN) &&
        Boolean(env.ACTIONS_RESULTS_URL);
    if (internal) {
        const scope = {
            description: `this workflow run${current ? ` of ${current}` : ''}`
        };
        if (current)
            scope.repository = current;
        return {
            scope,
            find: name => findWith(client, name, undefined, scope),
            download: (artifact, into) => downloadWith(client, artifact, into, undefined, scope)
        };
    }
    if (repository === undefined) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_3__/* .InvalidInputError */ .oC('candidate-artifact outside a GitHub Actions job needs candidate-repository and ' +
            'candidate-run-id');
    }
    const currentRun = Number(env.GITHUB_RUN_ID);
    const runId = options.runId ??
        (repository === current && Number.isSafeInteger(currentRun) && currentRun > 0
            ? currentRun
            : undefined);
    if (runId === undefined) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_3__/* .InvalidInputError */ .oC(`candidate-run-id is required to take an artifact from ${repository}` +
            (repository === current ? ' outside a workflow run' : ''));
    }
    const [owner, name] = repository.split('/');
    const findBy = {
        token: options.token,
        workflowRunId: runId,
        repositoryOwner: owner,
        repositoryName: name
    };
    const scope = { runId, repository, description: `run ${runId} of ${repository}` };
    const other = current !== undefined && repository.toLowerCase() !== current.toLowerCase();
    return {
        scope,
        find: artifactName => findWith(client, artifactName, findBy, scope, other),
        download: (artifact, into) => downloadWith(client, artifact, into, findBy, scope, other)
    };
}
async function findWith(client, name, findBy, scope, other = false) {
    try {
        const { artifact } = await client.getArtifact(name, findBy ? { findBy } : undefined);
        const info = { id: artifact.id, name: artifact.name, size: artifact.size };
        if (artifact.createdAt)
            info.createdAt = artifact.createdAt;
        if (artifact.digest)
            info.digest = artifact.digest;
        return info;
    }
    catch (error) {
        if (errorName(error) === 'ArtifactNotFoundError')
            return undefined;
        throw libraryError(error, `finding artifact ${name} in ${scope.description}`, scope, other);
    }
}
async function downloadWith(client, artifact, into, findBy, scope, other = false) {
    const what = `the artifact ${artifact.name} (id ${artifact.id}) in ${scope.description}`;
    let digestMismatch;
    try {
        ;
        ({ digestMismatch } = await client.downloadArtifact(artifact.id, {
            path: into,
            skipDecompress: true,
            ...(artifact.digest ? { expectedHash: artifact.digest } : {}),
            ...(findBy ? { findBy } : {})
        }));
    }
    catch (error) {
        const status = statusOf(error);
        if (status === 410) {
            const uploaded = artifact.createdAt ? ` (uploaded ${artifact.createdAt.toISOString()})` : '';
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_3__/* .NotFoundError */ .m_(`The artifact ${artifact.name} (id ${artifact.id}) in ${scope.description} has expired` +
                `${uploaded}; its files are gone. Re-run the training job, or keep artifacts longer ` +
                '(retention-days)', { cause: error });
        }
        if (status === 404 || errorName(error) === 'ArtifactNotFoundError') {
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_3__/* .NotFoundError */ .m_(`${capitalize(what)} could not be downloaded (it was deleted, or has expired)`, { cause: error });
        }
        throw libraryError(error, `downloading ${what}`, scope, other);
    }
    if (digestMismatch) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_3__/* .InvalidInputError */ .oC(`${capitalize(what)} was refused: the downloaded zip does not match the digest ` +
            `${artifact.digest ?? ''} recorded at upload`);
    }
    const files = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.readdir)(into);
    if (files.length !== 1 || files[0] === undefined) {
        throw new Error(`Downloading ${what} left ${files.length} files instead of one zip`);
    }
    return node_path__WEBPACK_IMPORTED_MODULE_1___default().join(into, files[0]);
}
/** A library failure as an error a person can act on. */
function libraryError(error, doing, scope, other) {
    if (error instanceof _errors_js__WEBPACK_IMPORTED_MODULE_3__/* .ModelGateError */ .j3)
        return error;
    const name = errorName(error);
    if (name === 'GHESNotSupportedError') {
        return new _errors_js__WEBPACK_IMPORTED_MODULE_3__/* .InvalidInputError */ .oC('candidate-artifact is not available on GitHub Enterprise Server: @actions/artifact ' +
            'v2 and later do not support it', { cause: error });
    }
    const status = statusOf(error);
    const repo = scope.repository ?? 'the repository';
    const needs = `\`actions: read\` on ${repo}` +
        (other
            ? ` (the workflow's GITHUB_TOKEN cannot read another repository; pass a token that can)`
            : '');
    if (status === 401 || status === 403) {
        // The runner's artifact service gives the status only in words: give apiError a status.
        const withStatus = (0,_client_js__WEBPACK_IMPORTED_MODULE_4__/* .httpStatus */ .nG)(error) === undefined ? { status, message: (0,_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .errorMessage */ .gJ)(error) } : error;
        const mapped = (0,_client_js__WEBPACK_IMPORTED_MODULE_4__/* .apiError */ .pb)(withStatus, doing, needs);
        if (mapped instanceof _errors_js__WEBPACK_IMPORTED_MODULE_3__/* .PermissionError */ .i_)
            return mapped;
        return new _errors_js__WEBPACK_IMPORTED_MODULE_3__/* .PermissionError */ .i_(mapped.message, { cause: error });
    }
    if (status === 404 && scope.runId !== undefined) {
        return new _errors_js__WEBPACK_IMPORTED_MODULE_3__/* .NotFoundError */ .m_(`GitHub API: ${doing} failed (HTTP 404): ${scope.description} does not exist, or the ` +
            `token cannot see ${repo} (it needs ${needs})`, { cause: error });
    }
    return (0,_client_js__WEBPACK_IMPORTED_MODULE_4__/* .apiError */ .pb)(error, doing);
}
/**
 * The HTTP status of a library failure: Octokit's `RequestError.status`, or, from the runner's
 * artifact service (which only says it in words), the `(403)` in "Failed request: (403) Forbidden".
 */
function statusOf(error) {
    const status = (0,_client_js__WEBPACK_IMPORTED_MODULE_4__/* .httpStatus */ .nG)(error);
    if (status !== undefined)
        return status;
    const match = /Failed request: \((\d{3})\)/.exec((0,_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .errorMessage */ .gJ)(error));
    return match ? Number(match[1]) : undefined;
}
function errorName(error) {
    const name = error?.name;
    return typeof name === 'string' ? name : undefined;
}
function capitalize(text) {
    return text.charAt(0).toUpperCase() + text.slice(1);
}


/***/ })

};
