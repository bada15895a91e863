# syntax=docker/dockerfile:1
# Build stage: compiles TypeScript and builds better-sqlite3's native addon.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev

# Runtime stage: git for the workspaces, bubblewrap for the agent's commands, no compilers.
FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates bubblewrap \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    HAMSTER_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json app.yml ./
RUN groupadd --system hamster && useradd --system --gid hamster --home-dir /data hamster \
 && mkdir -p /data && chown hamster:hamster /data
USER hamster
VOLUME ["/data"]
EXPOSE 3000
CMD ["node", "dist/src/main.js"]
