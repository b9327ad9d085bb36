# syntax=docker/dockerfile:1
# mlready's own image: what the scaffolded drift CronJob and load-test Job run in the cluster, so
# nothing is downloaded when they start. Build: docker build -t mlready:0.1.0 . (or podman build,
# buildah bud); run: docker run --rm -v "$PWD:/work:ro" -w /work mlready:0.1.0 check .
#
# The base is docker.io/library/node:20-bookworm-slim pinned by the digest it had when this file was
# written (the same digest other public projects pin); refresh it deliberately with
# `docker buildx imagetools inspect node:20-bookworm-slim`.
ARG NODE_IMAGE=docker.io/library/node:20-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0

# Build: the locked dev dependencies compile src/ to dist/.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"]
COPY tsconfig.json tsconfig.build.json ./
COPY src/ src/
RUN ["node", "node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"]
# bin/mlready.js runs the bundles of dist/ (dist/bundle/, dist/crd/); without examples/ here the build
# writes no V8 code cache, and the CLI compiles its bundles at each start.
COPY scripts/bundle.mjs scripts/
RUN ["node", "scripts/bundle.mjs"]

# Install: the production dependencies only, exactly as the lockfile pins them. The last network
# access of the build.
FROM ${NODE_IMAGE} AS install
WORKDIR /app
COPY package.json package-lock.json ./
RUN ["npm", "ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund"]
# Type declarations, source maps and docs are not run: about 45 of the 96 MB.
RUN ["find", "node_modules", "-type", "f", "(", "-name", "*.d.ts", "-o", "-name", "*.d.mts", "-o", "-name", "*.d.cts", "-o", "-name", "*.map", "-o", "-name", "*.md", ")", "-delete"]

# Runtime: copies only. No package manager runs here, the files belong to root and are read-only to
# the non-root user, and mlready writes nothing but the files named on its command line, so the
# container runs with readOnlyRootFilesystem: true.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json ./
COPY --from=install /app/node_modules/ node_modules/
COPY --from=build /src/dist/ dist/
COPY bin/ bin/
COPY schemas/ schemas/
COPY templates/ templates/
RUN ["ln", "-s", "/app/bin/mlready.js", "/usr/local/bin/mlready"]
# The node user of the official image (uid 1000), never root.
USER 1000:1000
ENTRYPOINT ["mlready"]
CMD ["--help"]
