# sporeprint API image: build the TypeScript, keep only production dependencies, run as a non-root user.
# No data or model is downloaded at run time: the datasets ship in data/, models are trained on first start.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 is compiled from source when no prebuilt binary can be fetched
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# npm ci runs `prepare` (scripts/build.js --if-stale), which finds no src/ yet and compiles nothing
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# the dashboard: built by Vite into dist/web (its libraries are bundled, so the pruned image needs none)
COPY web ./web
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    SPOREPRINT_HOST=0.0.0.0 \
    SPOREPRINT_PORT=8080 \
    SPOREPRINT_VAR_DIR=/var/lib/sporeprint \
    DATABASE_URL=sqlite:/var/lib/sporeprint/sporeprint.db
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json LICENSE README.md ./
COPY bin ./bin
COPY data ./data
RUN useradd --system --uid 10001 sporeprint \
 && mkdir -p /var/lib/sporeprint \
 && chown sporeprint /var/lib/sporeprint
USER sporeprint
VOLUME ["/var/lib/sporeprint"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=300s \
  CMD node -e "fetch('http://127.0.0.1:8080/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# `start`: migrate; train and promote a model if the registry has none; then serve
CMD ["node", "dist/main/cli.js", "start"]
