# sporeprint: one image for every role — `serve` (the API), `worker` (BullMQ pipeline tasks),
# `scheduler`, and `start --no-serve` (the one-shot init: migrate, ETL, train, register, promote).
#   docker build -t sporeprint .
#   docker run sporeprint serve | worker | scheduler | start --no-serve | models list | …
# Stages: `toolchain` (compilers for better-sqlite3's native module), `prod-deps` (production
# dependencies only, compiled there), `build` (every dependency; compiles src/ and the dashboard web/),
# and the runtime stage, which copies node_modules from `prod-deps` and dist/ from `build` and holds
# no compiler, no build tool and no dev dependency. No data or model is downloaded at run time: the
# datasets ship in data/, models are trained by `start` / `start --no-serve`.

FROM node:20-bookworm-slim AS toolchain
WORKDIR /app
# better-sqlite3 is compiled from source when no prebuilt binary can be fetched
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# npm ci runs `prepare` (scripts/build.js --if-stale), which finds no src/ yet and compiles nothing
COPY scripts ./scripts

FROM toolchain AS prod-deps
RUN npm ci --omit=dev --no-audit --no-fund

FROM toolchain AS build
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# the dashboard: built by Vite into dist/web (its libraries are bundled, so production needs none)
COPY web ./web
RUN npm run build

FROM node:20-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    SPOREPRINT_HOST=0.0.0.0 \
    SPOREPRINT_PORT=8080 \
    SPOREPRINT_VAR_DIR=/var/lib/sporeprint \
    DATABASE_URL=sqlite:/var/lib/sporeprint/sporeprint.db
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json LICENSE README.md ./
COPY bin ./bin
COPY data ./data
RUN ln -s /app/bin/sporeprint.js /usr/local/bin/sporeprint \
 && useradd --system --uid 10001 --no-create-home sporeprint \
 && mkdir -p /var/lib/sporeprint \
 && chown 10001 /var/lib/sporeprint
USER 10001
VOLUME ["/var/lib/sporeprint"]
EXPOSE 8080
# The API's health check. Workers override it with `sporeprint worker --health` (exit 0 when the
# database and Redis answer within 3 s); the scheduler and init have no HTTP port (compose and the
# Kubernetes manifests in deploy/ set each role's check).
HEALTHCHECK --interval=10s --timeout=3s --start-period=300s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.SPOREPRINT_PORT||8080)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["sporeprint"]
# `start`: migrate; train and promote a model if the registry has none; then serve
CMD ["start"]
