# Orderly as a container image: build with the dev tools, run on a slim Node 20 as an unprivileged user.
#   docker build -t orderly .
#   docker compose up          (PostgreSQL, two instances and nginx: see compose.yaml and README "Running in production")

# ---- build: compile the server and the web app, then drop the dev dependencies ----
FROM node:20-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary fits the platform.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

# ---- runtime ----
FROM node:20-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    ORDERLY_DB=/app/data/orderly.db \
    ORDERLY_BACKUP_DIR=/app/data/backups
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
# The image's files belong to root and are read-only to the app; only /app/data (a volume) is its own.
RUN mkdir -p /app/data/backups && chown -R node:node /app/data && chmod 700 /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 3000
# SIGTERM: stop taking requests, finish those in flight and running jobs within ORDERLY_SHUTDOWN_SECONDS.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "dist/src/server/main.js"]
