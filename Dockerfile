# auth-service: the HTTPS service (packages/server) with its two workspace packages.
# Build: docker build -t auth-service .      Run: see compose.yaml and docs/operations.md.

# 1. Build: every dependency (TypeScript included), then compile the three packages.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json ./
# Every workspace's manifest (npm ci checks the lock file against all of them).
COPY packages/protocol/package.json packages/protocol/
COPY packages/client/package.json packages/client/
COPY packages/verifier/package.json packages/verifier/
COPY packages/server/package.json packages/server/
COPY examples/orders/package.json examples/orders/
COPY examples/web/package.json examples/web/
# --ignore-scripts: the root `prepare` would build before the sources are copied.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY packages ./packages
RUN npm run build -w @auth-service/protocol -w @auth-service/verifier -w @auth-service/server

# 2. Production dependencies only (no TypeScript, no test tools).
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Every workspace's manifest (npm ci checks the lock file against all of them).
COPY packages/protocol/package.json packages/protocol/
COPY packages/client/package.json packages/client/
COPY packages/verifier/package.json packages/verifier/
COPY packages/server/package.json packages/server/
COPY examples/orders/package.json examples/orders/
COPY examples/web/package.json examples/web/
RUN npm ci --no-audit --no-fund --ignore-scripts --omit=dev --workspace @auth-service/server --include-workspace-root=false

# 3. The image: compiled code and production dependencies, run as the unprivileged `node` user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8443 \
    DATA_DIR=/var/lib/auth-service
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/package.json ./
COPY --from=build /app/packages/protocol/package.json packages/protocol/
COPY --from=build /app/packages/protocol/dist/src packages/protocol/dist/src
COPY --from=build /app/packages/verifier/package.json packages/verifier/
COPY --from=build /app/packages/verifier/dist/src packages/verifier/dist/src
COPY --from=build /app/packages/server/package.json packages/server/
COPY --from=build /app/packages/server/bin packages/server/bin
COPY --from=build /app/packages/server/dist/src packages/server/dist/src
RUN mkdir -p /var/lib/auth-service && chown node:node /var/lib/auth-service
USER node
EXPOSE 8443
VOLUME /var/lib/auth-service
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["node", "packages/server/bin/healthcheck.js"]
# node itself, not `npm start`: SIGTERM from `docker stop` reaches the service, which drains.
# Node as PID 1 has no default signal handlers, but the service installs its own (SIGTERM,
# SIGINT, SIGHUP); `docker run --init` adds a reaper if wanted.
CMD ["node", "packages/server/dist/src/main.js"]
