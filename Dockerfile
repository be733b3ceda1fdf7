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
ARG WORKSPACE
ARG ENTRY=server

FROM node:20-bookworm-slim AS build
ARG WORKSPACE
WORKDIR /src
COPY . .
RUN test -n "$WORKSPACE" || (echo "--build-arg WORKSPACE=… is required" >&2; exit 1)
RUN npm ci --no-audit --no-fund \
 && npx tsx web/build.ts \
 && npx tsx hack/src/build.ts "$WORKSPACE" \
 && rm -rf node_modules \
 && npm ci --omit=dev --no-audit --no-fund --workspace "$WORKSPACE"

FROM node:20-bookworm-slim
ARG WORKSPACE
ARG ENTRY
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
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
ENTRYPOINT ["/usr/bin/tini", "--", "/bin/sh", "-c", "exec node --enable-source-maps \"$KATHELFER_ENTRY\" \"$@\"", "--"]
