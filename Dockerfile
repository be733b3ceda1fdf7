# syntax=docker/dockerfile:1
# One image recipe for every deployable; build from the repository root:
#   docker build --build-arg WORKSPACE=operator              --build-arg ENTRY=main   -t <registry>/kathelfer/operator:<tag> .
#   docker build --build-arg WORKSPACE=services/registration --build-arg ENTRY=server -t <registry>/kathelfer/registration:<tag> .
#   (likewise services/tasks and services/matching, ENTRY=server)
# Multi-stage: the build stage builds the web pages (web/dist, which every service serves), bundles
# the workspace's TypeScript (hack/src/build.ts: workspace packages are bundled in, npm dependencies
# stay external — `highs` ships WebAssembly that is loaded from node_modules) and then installs only
# that workspace's production dependencies. The runtime stage has those, the bundle and the pages,
# runs as an unprivileged user, and has tini as PID 1 so that SIGTERM reaches node — the services
# drain (readiness false, in-flight requests finish, consumers and the outbox relay stop, pools
# close), the operator hands its leader Lease over — and no zombie is left.
#
# BASE_IMAGE (runtime) and BUILD_IMAGE (build stage, needs npm) default to the official Node.js
# image. Where that can't be pulled, hack/images.sh (`npm run images`) builds both from Debian's
# packages and passes them here; it also mounts the host's CA bundle and npm configuration for the
# RUN steps, which never end up in a layer.
ARG BASE_IMAGE=node:20-bookworm-slim
ARG BUILD_IMAGE=node:20-bookworm-slim
ARG WORKSPACE
ARG ENTRY=server

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
# The dependencies first: this layer depends on the lock file and the workspaces' manifests only,
# so the four images share it and a source change does not reinstall them (buildah/docker layer cache).
COPY package.json package-lock.json ./
COPY hack/package.json hack/
COPY operator/package.json operator/
COPY services/common/package.json services/common/
COPY services/registration/package.json services/registration/
COPY services/matching/package.json services/matching/
COPY services/tasks/package.json services/tasks/
COPY services/contracts/package.json services/contracts/
COPY web/package.json web/
RUN npm ci --no-audit --no-fund
# Every workspace's production dependencies in a directory of their own, shared like the layer
# above; each image's are cut out of them below.
RUN mkdir /prod \
 && cp --parents package.json package-lock.json hack/package.json operator/package.json web/package.json services/*/package.json /prod/ \
 && cd /prod && npm ci --omit=dev --no-audit --no-fund
COPY . .
RUN npx tsx web/build.ts
# Declared here, not above: the layers before do not depend on the workspace.
ARG WORKSPACE
RUN test -n "$WORKSPACE" || (echo "--build-arg WORKSPACE=… is required" >&2; exit 1)
# The bundle, and of the production dependencies only what it loads (hack/src/prune-deps.ts).
RUN npx tsx hack/src/build.ts "$WORKSPACE" && npx tsx hack/src/prune-deps.ts /prod "$WORKSPACE"

FROM ${BASE_IMAGE}
ARG WORKSPACE
ARG ENTRY
# tini is PID 1; a base built by hack/images.sh has it already, the official image gets Debian's.
# The unprivileged user gets a name and a home (/tmp, the pods' writable emptyDir): without an
# entry, a runtime that sets no HOME leaves node without one, and a dependency asking for it at
# load time (resolve, via umzug) crashed the service.
RUN command -v tini >/dev/null || { apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*; } \
 && echo 'kathelfer:x:10001:10001:Kathelfer:/tmp:/usr/sbin/nologin' >>/etc/passwd \
 && echo 'kathelfer:x:10001:' >>/etc/group
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/package.json ./
COPY --from=build /prod/node_modules node_modules
COPY --from=build /src/${WORKSPACE}/package.json ${WORKSPACE}/
COPY --from=build /src/${WORKSPACE}/dist ${WORKSPACE}/dist
# The web pages every service serves (found upwards from the bundle: /app/web/dist).
COPY --from=build /src/web/dist web/dist
# Attribution the ODbL asks for: registration's bundle carries OpenStreetMap-derived postal-code centroids.
COPY --from=build /src/services/registration/src/data/NOTICE.md licenses/postal-code-centroids.md
# ENTRYPOINT's exec form does not expand build arguments: keep the path in the environment.
ENV KATHELFER_ENTRY=${WORKSPACE}/dist/${ENTRY}.js
USER 10001:10001
EXPOSE 8080
# NODE_FLAGS: node command-line flags that NODE_OPTIONS refuses (V8 flags outside its allow-list,
# such as the operator's --lite-mode: in NODE_OPTIONS node exits with "not allowed in NODE_OPTIONS").
ENTRYPOINT ["/usr/bin/tini", "--", "/bin/sh", "-c", "exec node --enable-source-maps $NODE_FLAGS \"$KATHELFER_ENTRY\" \"$@\"", "--"]
